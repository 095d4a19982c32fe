//! The target of `dotations solve`: a quantity of the result, `=`, the value it must take.
//!
//! ```text
//! target   := quantity "=" goal
//! quantity := "total" "(" VARIABLE ")"            the sum over every row (commune, or État)
//!           | "count" "(" VARIABLE ")"            how many rows are > 0 (true): eligible communes
//!           | "commune" "(" CODE ")" "." VARIABLE one commune's value (its INSEE code)
//! goal     := NUMBER
//!           | "baseline"                          the quantity under the law in force
//!           | "baseline" ("+" | "-") NUMBER ["%"] …plus or minus an amount, or a percentage of it
//!           | "baseline" "*" NUMBER               …times a factor
//! ```
//!
//! Numbers are written as on the rest of the command line (`2_900_000_000`, `0.85`, `1e9`);
//! spaces are free. Every mistake is reported at its column in the `--target` text.

use dotations_diagnostics::{did_you_mean, Diagnostic, SourceText};
use dotations_engine::model::{Model, VarId};
use dotations_engine::{Computed, Dataset};

use super::{number, positive, total, values};

/// What is measured on a result.
#[derive(Debug, Clone, PartialEq)]
pub enum Quantity {
    Total(VarId),
    Count(VarId),
    Commune { row: usize, code: String, var: VarId },
}

/// The value the quantity must take: `baseline × factor + offset`, or `offset` alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Goal {
    pub baseline: bool,
    pub factor: f64,
    pub offset: f64,
}

/// A parsed target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub quantity: Quantity,
    pub goal: Goal,
    /// The text as given, for reports.
    pub text: String,
    /// Whether the variable holds amounts per commune (see [`super::total`]).
    amount: bool,
}

const ARGUMENT: &str = "--target";
const MEASURES: [&str; 3] = ["total", "count", "commune"];

impl Target {
    /// Parses `text`, checking its variable and commune against the model and the data.
    pub fn parse(text: &str, model: &Model, dataset: &Dataset) -> Result<Target, Diagnostic> {
        let mut parser = Parser { source: SourceText::new(ARGUMENT, text.to_string()), text, at: 0, model, dataset };
        let quantity = parser.quantity()?;
        parser.expect('=', "`=` then the value to meet, e.g. `= baseline` or `= 2_900_000_000`")?;
        if parser.peek() == Some('=') {
            parser.at += 1; // `==` reads as `=`
        }
        let goal = parser.goal()?;
        parser.skip_spaces();
        if parser.at < text.len() {
            let rest = &text[parser.at..];
            return Err(Diagnostic::error(format!("unexpected `{}` after the target", rest.trim_end()))
                .at(parser.source.location(parser.at, rest.len())));
        }
        let amount = super::is_amount_per_commune(model, quantity_variable(&quantity));
        Ok(Target { quantity, goal, text: text.trim().to_string(), amount })
    }

    /// The variable the quantity reads.
    pub fn variable(&self) -> VarId {
        quantity_variable(&self.quantity)
    }

    /// The quantity on a result (`None` if the result lacks the variable).
    pub fn measure(&self, computed: &Computed<'_>) -> Option<f64> {
        let value = values(computed, self.variable())?;
        Some(match &self.quantity {
            Quantity::Total(_) => total(value, self.amount),
            Quantity::Count(_) => positive(value) as f64,
            Quantity::Commune { row, .. } => value.at(*row),
        })
    }

    /// The value to meet, given the quantity under the law in force.
    pub fn goal_value(&self, baseline: f64) -> f64 {
        if self.goal.baseline {
            baseline * self.goal.factor + self.goal.offset
        } else {
            self.goal.offset
        }
    }
}

fn quantity_variable(quantity: &Quantity) -> VarId {
    match quantity {
        Quantity::Total(var) | Quantity::Count(var) | Quantity::Commune { var, .. } => *var,
    }
}

struct Parser<'a> {
    source: SourceText,
    text: &'a str,
    at: usize,
    model: &'a Model,
    dataset: &'a Dataset,
}

impl<'a> Parser<'a> {
    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += self.peek().map_or(1, char::len_utf8);
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn here(&self, length: usize) -> dotations_diagnostics::Location {
        self.source.location(self.at, length)
    }

    /// What is at the cursor, for "found …" messages.
    fn found(&self) -> String {
        match self.text[self.at..].split_whitespace().next() {
            Some(word) => format!("found `{word}`"),
            None => "the target ends here".into(),
        }
    }

    fn expect(&mut self, wanted: char, what: &str) -> Result<(), Diagnostic> {
        self.skip_spaces();
        if self.peek() == Some(wanted) {
            self.at += 1;
            return Ok(());
        }
        Err(Diagnostic::error(format!("expected {what}, {}", self.found())).at(self.here(1)))
    }

    /// A name: letters, digits and `_`, not starting with a digit. Returns (offset, name).
    fn name(&mut self, what: &str) -> Result<(usize, &'a str), Diagnostic> {
        self.skip_spaces();
        let start = self.at;
        let text = self.text;
        let rest = &text[start..];
        let length = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if length == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(Diagnostic::error(format!("expected {what}, {}", self.found())).at(self.here(1)));
        }
        self.at += length;
        Ok((start, &text[start..start + length]))
    }

    fn variable(&mut self) -> Result<VarId, Diagnostic> {
        let (start, name) = self.name("a variable name")?;
        self.model
            .variable_id(name)
            .ok_or_else(|| self.model.unknown_variable(name).at(self.source.location(start, name.len())))
    }

    fn quantity(&mut self) -> Result<Quantity, Diagnostic> {
        let (start, measure) = self.name("`total(VARIABLE)`, `count(VARIABLE)` or `commune(CODE).VARIABLE`")?;
        match measure {
            "total" | "count" => {
                let total = measure == "total";
                self.expect('(', "`(`")?;
                let var = self.variable()?;
                self.expect(')', "`)`")?;
                Ok(if total { Quantity::Total(var) } else { Quantity::Count(var) })
            }
            "commune" => {
                self.expect('(', "`(` then the commune's INSEE code")?;
                let (row, code) = self.commune()?;
                self.expect('.', "`.` then a variable, as in `commune(01004).dsu_montant`")?;
                let var_start = self.at;
                let var = self.variable()?;
                if self.model.variables[var].entity != self.model.person_entity() {
                    let name = &self.model.variables[var].name;
                    return Err(Diagnostic::error(format!("`{name}` is not a value of each commune"))
                        .at(self.source.location(var_start, self.at - var_start))
                        .with_help(format!("measure it with `total({name})`")));
                }
                Ok(Quantity::Commune { row, code, var })
            }
            _ => Err(Diagnostic::error(format!("unknown measure `{measure}`"))
                .at(self.source.location(start, measure.len()))
                .with_help_opt(did_you_mean(measure, MEASURES))
                .with_note("a target measures total(VARIABLE), count(VARIABLE) or commune(CODE).VARIABLE")),
        }
    }

    /// The code between `commune(` and `)`, found among the data's communes.
    fn commune(&mut self) -> Result<(usize, String), Diagnostic> {
        self.skip_spaces();
        let start = self.at;
        let Some(length) = self.text[start..].find(')') else {
            return Err(Diagnostic::error("expected the commune's code then `)`").at(self.here(1)));
        };
        let code = self.text[start..start + length].trim().to_string();
        self.at = start + length + 1;
        let ids = self.dataset.ids(self.model.person_entity());
        match ids.iter().position(|id| *id == code) {
            Some(row) => Ok((row, code)),
            None => Err(Diagnostic::error(format!("no commune `{code}` in the data"))
                .at(self.source.location(start, length.max(1)))
                .with_help_opt(did_you_mean(&code, ids.iter().map(String::as_str)))
                .with_note(format!(
                    "communes are named by their INSEE code (the `code_insee` column); the data has {}",
                    ids.len()
                ))),
        }
    }

    fn goal(&mut self) -> Result<Goal, Diagnostic> {
        self.skip_spaces();
        if !self.text[self.at..].starts_with("baseline") {
            let value = self.number()?;
            return Ok(Goal { baseline: false, factor: 0.0, offset: value });
        }
        self.at += "baseline".len();
        self.skip_spaces();
        let mut goal = Goal { baseline: true, factor: 1.0, offset: 0.0 };
        match self.peek() {
            Some(sign @ ('+' | '-')) => {
                self.at += 1;
                let amount = self.number()?;
                let amount = if sign == '-' { -amount } else { amount };
                self.skip_spaces();
                if self.peek() == Some('%') {
                    self.at += 1;
                    goal.factor = 1.0 + amount / 100.0;
                } else {
                    goal.offset = amount;
                }
            }
            Some('*') => {
                self.at += 1;
                goal.factor = self.number()?;
            }
            _ => {}
        }
        Ok(goal)
    }

    fn number(&mut self) -> Result<f64, Diagnostic> {
        self.skip_spaces();
        let start = self.at;
        let rest = &self.text[start..];
        let mut length = rest.find(|c: char| !(c.is_ascii_alphanumeric() || "_.-+".contains(c))).unwrap_or(rest.len());
        // A sign after the first character only belongs to an exponent (`1e+9`).
        if let Some(sign) = rest[1.min(length)..length].find(['+', '-']) {
            let before = rest.as_bytes()[sign];
            if !matches!(before, b'e' | b'E') {
                length = sign + 1;
            }
        }
        let word = &rest[..length];
        match number(word) {
            Some(value) => {
                self.at += length;
                Ok(dotations_params::decimal_to_f64(value))
            }
            None => Err(Diagnostic::error(format!("expected a number or `baseline`, {}", self.found()))
                .at(self.source.location(start, length.max(1)))
                .with_help("e.g. `= 2_900_000_000`, `= baseline`, `= baseline + 1_000`, `= baseline - 2%`")),
        }
    }
}

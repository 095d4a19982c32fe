//! The explanation as data: what the terminal shows and what `--json` (and the web server)
//! give. The JSON shape is documented in `docs/explain.md`; every key is always present (empty
//! list, `null`, `0` or `false` when it does not apply), so a reader needs no guessing.

use serde::Serialize;

/// Why a commune gets a value: the tree of what made it.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    pub commune: Commune,
    /// How many levels of variables below the explained one are shown.
    pub depth: usize,
    /// The explained variable, at the top level of the JSON object.
    #[serde(flatten)]
    pub root: ExplainedNode,
}

/// The commune explained.
#[derive(Debug, Clone, Serialize)]
pub struct Commune {
    /// Its identifier in the data (the `code_insee` column).
    pub code: String,
    /// Its name, when the data gives one (`nom`).
    pub name: Option<String>,
    /// Its 0-based row in the data.
    pub row: usize,
}

/// How a node got its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Computed by a formula of the variable.
    Formula,
    /// Given in the data.
    Input,
    /// Not given, so the reading formula's `otherwise` applied.
    Otherwise,
    /// The variable's default value.
    Default,
}

/// One variable for one year, for the commune (or its État).
#[derive(Debug, Clone, Serialize)]
pub struct ExplainedNode {
    pub variable: String,
    /// The variable's label (French).
    pub label: Option<String>,
    /// `commune`, or `etat` for a national value.
    pub entity: String,
    /// The entity's label (`Commune`, `État`).
    pub entity_label: Option<String>,
    pub year: i32,
    /// The value: a number, `true`/`false`, an enumeration item or a date (ISO); `null` for NaN.
    pub value: serde_json::Value,
    /// The value as shown to people: `12 345,67 €`, `yes`, `bourg_rural`.
    pub text: String,
    pub source: Origin,
    /// Why the value is an input, a default or an `otherwise`, in a sentence.
    pub why: Option<String>,
    /// The formula that applied (source `formula`), or the `otherwise` expression.
    pub formula: Option<FormulaText>,
    /// The input column the value comes from (source `input`).
    pub input: Option<InputColumn>,
    /// The parameters the formula read, in order of use.
    pub parameters: Vec<ParameterUse>,
    /// The national values (sums, means, ranks, point values) the formula used.
    pub aggregates: Vec<Aggregate>,
    /// The decisions the formula made for this commune (`if`, `min`, `max`, `clamp`, …).
    pub choices: Vec<Choice>,
    /// The variables the formula read that contributed, in order of use.
    pub children: Vec<ExplainedNode>,
    /// Variables read but not shown: below the depth limit.
    pub more: usize,
    /// Already shown above in the tree (same variable and year): not expanded again.
    pub repeated: bool,
    /// Set when re-deriving the value did not give the run's: an engine bug.
    pub mismatch: Option<Mismatch>,
}

/// A formula (or an `otherwise` expression) as written.
#[derive(Debug, Clone, Serialize)]
pub struct FormulaText {
    /// The text, without its `from DATE:` header, dedented.
    pub text: String,
    pub file: String,
    /// The line where the formula starts.
    pub line: usize,
    /// The first day it applies (`None`: from the beginning).
    pub from: Option<String>,
    /// The last day it applies (`None`: until further notice).
    pub until: Option<String>,
}

/// Where an input comes from.
#[derive(Debug, Clone, Serialize)]
pub struct InputColumn {
    /// The column of the input table: `x` for the year, `x__prev` for the previous year, or a
    /// declared column.
    pub column: String,
}

/// A parameter a formula read.
#[derive(Debug, Clone, Serialize)]
pub struct ParameterUse {
    pub path: String,
    /// The parameter's description.
    pub label: Option<String>,
    /// The date it was read at.
    pub date: String,
    pub value: serde_json::Value,
    pub text: String,
    /// For a scale: the value it was applied to (the scale's result is `value`).
    pub scale_input: Option<f64>,
    pub unit: Option<String>,
    /// The legal references of the value in force (from the parameter's metadata).
    pub references: Vec<Reference>,
    /// Where the value in force is written.
    pub file: Option<String>,
    pub line: Option<usize>,
}

/// A legal reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    pub title: Option<String>,
    pub href: Option<String>,
}

/// A national value a formula used, with what it is for this commune.
#[derive(Debug, Clone, Serialize)]
pub struct Aggregate {
    /// The operator as written.
    pub expression: String,
    pub file: String,
    pub line: usize,
    /// Its value for the commune (its group's, the national one, its rank, …).
    pub value: serde_json::Value,
    pub text: String,
    #[serde(flatten)]
    pub detail: AggregateDetail,
}

/// The group a sum or a mean is taken over, for this commune.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// What groups the communes: the `by` expression, or the group entity (`etat`).
    pub by: String,
    /// The commune's group: the key's value, or its État.
    pub value: serde_json::Value,
    pub text: String,
}

/// What each kind of national value says about the commune.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AggregateDetail {
    /// `sum`, `count`, `mean`.
    Sum {
        statistic: String,
        /// `None`: over every commune.
        group: Option<Group>,
        /// Communes counted (in the group, passing `where`).
        communes: usize,
        /// Whether this commune passes `where` (`None`: no `where`).
        included: Option<bool>,
    },
    /// `ratio_of_sums`: Σ numerator / Σ denominator over the commune's group.
    RatioOfSums {
        group: Option<Group>,
        communes: usize,
        included: Option<bool>,
        numerator: f64,
        denominator: f64,
        /// The denominator's sum is 0: the `else` value applied.
        default_applied: bool,
    },
    /// `rank`: 1 for the largest value (`descending`).
    Rank { rank: usize, ranked: usize, order: String, ranked_value: f64 },
    /// `share`: the commune's value over the total.
    Share { commune_value: f64, total: f64 },
    /// `first`: the first commune's value.
    First { first_commune: String },
    /// `distribute`: the point value that shares the budget, and the commune's bounded amount.
    Distribute {
        point: f64,
        budget: f64,
        score: f64,
        previous: f64,
        low: f64,
        high: f64,
        /// `low × previous` and `high × previous` (`None` when the commune is unbounded).
        floor: Option<f64>,
        ceiling: Option<f64>,
        /// The commune's amount: `score × point`, bounded.
        amount: f64,
        /// `floor`, `ceiling`, `within` (its bounds did not apply) or `unbounded`.
        bound: String,
        /// Why the commune is unbounded: no previous amount, or `unbounded where` holds.
        unbounded_because: Option<String>,
    },
}

/// A decision a formula made for this commune.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Choice {
    /// `if c then a else b`: `branch` is `then` or `else`.
    If {
        condition: String,
        holds: bool,
        branch: String,
        /// The text of the branch taken.
        taken: String,
    },
    /// `min(…)`/`max(…)`: the argument (1-based) that gave the value.
    Min {
        expression: String,
        argument: usize,
        applied: String,
        value: serde_json::Value,
        text: String,
    },
    Max {
        expression: String,
        argument: usize,
        applied: String,
        value: serde_json::Value,
        text: String,
    },
    /// `clamp(x, low, high)`: `bound` is `floor`, `ceiling` or `none`.
    Clamp {
        expression: String,
        bound: String,
        value: f64,
        low: f64,
        high: f64,
        result: f64,
        text: String,
        /// `value`, `low` and `high` as shown to people.
        texts: [String; 3],
    },
    /// `ratio(a, b, else d)` where `b` is 0: `d` applied.
    RatioElse {
        expression: String,
        value: serde_json::Value,
        text: String,
    },
    /// `a and b` with `a` false, `a or b` with `a` true: `b` did not matter.
    ShortCircuit {
        expression: String,
        left: String,
        left_value: bool,
    },
}

/// A re-derived value that differs from the run's.
#[derive(Debug, Clone, Serialize)]
pub struct Mismatch {
    pub computed: serde_json::Value,
    pub rederived: serde_json::Value,
    /// What the re-derivation could not follow.
    pub notes: Vec<String>,
}

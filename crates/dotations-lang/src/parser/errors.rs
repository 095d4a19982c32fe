//! Syntax errors in the words of someone writing a formula.

use dotations_diagnostics::{Diagnostic, SourceText};

use super::Rule;

pub(super) fn syntax_error(
    source: &SourceText,
    offset: usize,
    end: usize,
    error: &pest::error::Error<Rule>,
) -> Diagnostic {
    let position = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let text = source.text();
    let mut at = offset + position;
    // Running into the next declaration means this one stopped short: point just after its
    // last word rather than at the next declaration.
    let found = if is_blank(&text[at..end]) {
        at = offset + text[offset..at].trim_end().len();
        "the end of the declaration".to_string()
    } else {
        found_token(&text[at..])
    };
    let message = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let mut expected: Vec<&str> = positives.iter().filter_map(|r| describe(*r)).collect();
            expected.sort();
            expected.dedup();
            match expected.len() {
                0 => format!("unexpected {found}"),
                1 => format!("expected {}, found {found}", expected[0]),
                _ => {
                    let (last, first) = expected.split_last().expect("non-empty");
                    format!("expected {} or {last}, found {found}", first.join(", "))
                }
            }
        }
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    };
    let length = token_length(&text[at..]);
    Diagnostic::error(format!("syntax error: {message}")).at(source.location(at, length))
}

/// Whether a piece of text holds only blanks and comments.
fn is_blank(text: &str) -> bool {
    text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#')
    })
}

fn token_length(rest: &str) -> usize {
    let mut chars = rest.chars();
    match chars.next() {
        None => 0,
        Some(c) if c.is_alphanumeric() || c == '_' => {
            rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len())
        }
        Some(c) => c.len_utf8(),
    }
}

fn found_token(rest: &str) -> String {
    if rest.is_empty() {
        "end of file".to_string()
    } else if rest.starts_with(['\n', '\r']) {
        "a line break".to_string()
    } else {
        format!("`{}`", &rest[..token_length(rest)])
    }
}

/// What a rule means to someone writing a formula (None: not worth naming).
fn describe(rule: Rule) -> Option<&'static str> {
    Some(match rule {
        Rule::EOI
        | Rule::item
        | Rule::entity_decl
        | Rule::group_decl
        | Rule::enum_decl
        | Rule::variable_decl
        | Rule::column_decl => "a declaration (`variable`, `enum`, `entity`, `group`, `column`)",
        Rule::name => "a name",
        Rule::value_type | Rule::simple_type | Rule::enum_type => {
            "a type (number, money, integer, boolean, date, text, enum NAME)"
        }
        Rule::period_kind => "a period (yearly, monthly, eternal)",
        Rule::label => "`label`",
        Rule::reference => "`reference`",
        Rule::unit => "`unit`",
        Rule::default => "`default`",
        Rule::end => "`end`",
        Rule::documentation => "`documentation`",
        Rule::plural => "`plural`",
        Rule::formulas | Rule::single_formula | Rule::dated_formula => "a formula (`= …` or `from DATE: …`)",
        Rule::binding => "`let`",
        Rule::expr | Rule::conditional | Rule::disjunction | Rule::conjunction | Rule::negation => "an expression",
        Rule::comparison | Rule::sum | Rule::product | Rule::unary | Rule::postfix => "an expression",
        Rule::number | Rule::number_literal => "a number",
        Rule::date => "a date (YYYY-MM-DD)",
        Rule::string => "a quoted text",
        Rule::url => "a link (https://…)",
        Rule::boolean => "true or false",
        Rule::or_op | Rule::and_op => "an operator",
        Rule::compare_op => "a comparison",
        Rule::add_op | Rule::mul_op => "an operator",
        Rule::is_test | Rule::in_test => "`is` or `in`",
        Rule::field => "`.`",
        Rule::at => "`[`",
        Rule::scale_call => "`(`",
        Rule::otherwise => "`otherwise`",
        Rule::enum_item => "an item name",
        Rule::call | Rule::path => "a name",
        Rule::between_arg | Rule::keyword_arg | Rule::order_arg => "an argument",
        _ => return None,
    })
}

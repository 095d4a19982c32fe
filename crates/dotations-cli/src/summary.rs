//! The summary table of `dotations compute`: per dotation, eligible communes, total amount and
//! the national envelope it must fit. Its rows are defined with the rules, in
//! `formulas/synthese.yaml`, so a model brings its own summary.

use chrono::NaiveDate;
use dotations_engine::eval::population::pairwise_sum;
use dotations_engine::eval::Value;
use dotations_engine::model::VarId;
use dotations_engine::{Computed, Model};

use dotations_rules::summary::Envelope;
pub use dotations_rules::summary::{load_summary as load, summary_variables as variables, SummaryRow as Row};

/// The amount variable of each row (the dotations), in the table's order.
pub fn amounts(rows: &[Row]) -> Vec<VarId> {
    rows.iter().map(|row| row.amount).collect()
}

/// Prints the table.
pub fn print(model: &Model, computed: &Computed<'_>, rows: &[Row], year: i32, communes: usize, origin: &str) {
    println!("Dotations {year} — {} communes ({origin})\n", thousands(communes as f64));
    println!("{:<36} {:>10} {:>18} {:>18} {:>16}", "", "communes", "montant total", "enveloppe", "écart");
    let date = NaiveDate::from_ymd_opt(year, 1, 1).expect("January 1");
    for row in rows {
        // A commune variable's column (packed or not); a national scalar is no row of this table.
        let column = |var: VarId| {
            computed.value(var, year).filter(|v| !matches!(v, Value::Scalar(_))).map(|v| v.to_column(communes))
        };
        let Some(amounts) = column(row.amount) else { continue };
        let eligible = match row.eligible.and_then(column) {
            Some(flags) => flags.iter().filter(|f| **f != 0.0).count(),
            None => amounts.iter().filter(|a| **a > 0.0).count(),
        };
        let total = pairwise_sum(&amounts);
        let envelope = match &row.envelope {
            Some(Envelope::Parameter(path)) => match model.parameters.value_at(path, date) {
                Ok(Some(dotations_params::ParamValue::Number(n))) => Some(dotations_params::decimal_to_f64(*n)),
                _ => None,
            },
            Some(Envelope::Variable(id)) => computed.value(*id, year).map(|v| v.at(0)),
            None => None,
        };
        let (envelope_text, gap_text) = match envelope {
            Some(e) => (thousands(e), signed(total - e)),
            None => (String::new(), String::new()),
        };
        println!(
            "{:<36} {:>10} {:>18} {:>18} {:>16}",
            row.label,
            thousands(eligible as f64),
            thousands(total),
            envelope_text,
            gap_text
        );
    }
}

/// A whole number of euros with spaces between thousands, as written in French.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    if value < -0.5 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

fn signed(value: f64) -> String {
    if value > 0.5 {
        format!("+{}", thousands(value))
    } else {
        thousands(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(6_738_683_660.4), "6 738 683 660");
        assert_eq!(thousands(-1_234.0), "-1 234");
        assert_eq!(thousands(12.0), "12");
        assert_eq!(signed(1_000.0), "+1 000");
    }
}

//! The summary table of a model: per dotation, its amount, who is eligible and the national
//! envelope it must fit. Its rows are written with the rules (`formulas/synthese.yaml`), so a
//! model brings its own summary; the command line prints it and the web server shows it.

use dotations_diagnostics::{Diagnostic, Diagnostics, Location};
use dotations_engine::model::VarId;
use dotations_engine::Model;

/// One dotation of the summary, its names resolved against the model.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    /// As written: leading spaces indent a row under the one above (`  dont écrêtement`).
    pub label: String,
    /// The variable of the amount per commune.
    pub amount: VarId,
    /// The eligibility flag, when the dotation has one (else: a positive amount).
    pub eligible: Option<VarId>,
    pub envelope: Option<Envelope>,
}

/// Where a dotation's national envelope comes from.
#[derive(Debug, Clone)]
pub enum Envelope {
    /// A parameter (its dotted path), read at the year's first day.
    Parameter(String),
    /// A national variable computed with the model.
    Variable(VarId),
}

/// One row as written in `synthese.yaml`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RowSpec {
    label: String,
    amount: String,
    eligible: Option<String>,
    envelope: Option<String>,
}

/// Reads the summary table `text` (from the file `path`) and resolves its names: every unknown
/// variable is reported, with the row it is in.
pub fn load_summary(model: &Model, path: &str, text: &str) -> Result<Vec<SummaryRow>, Diagnostics> {
    let specs: Vec<RowSpec> = serde_yaml::from_str(text).map_err(|e| {
        let location = e.location().map(|l| Location::new(path, l.line(), l.column()));
        Diagnostics::from(Diagnostic::error(format!("invalid summary table: {e}")).at_opt(location))
    })?;
    let mut diagnostics = Diagnostics::new();
    let mut variable = |name: &str, label: &str| match model.variable_id(name) {
        Some(id) => Some(id),
        None => {
            diagnostics.push(model.unknown_variable(name).with_note(format!("in the row `{label}` of {path}")));
            None
        }
    };
    let mut rows = Vec::new();
    for spec in specs {
        let label = spec.label;
        let amount = variable(&spec.amount, label.trim());
        let eligible = spec.eligible.as_deref().and_then(|name| variable(name, label.trim()));
        let envelope = match spec.envelope.as_deref() {
            None => None,
            Some(name) if model.parameters.get(name).is_some() => Some(Envelope::Parameter(name.to_string())),
            Some(name) => variable(name, label.trim()).map(Envelope::Variable),
        };
        if let Some(amount) = amount {
            rows.push(SummaryRow { label, amount, eligible, envelope });
        }
    }
    diagnostics.into_result(rows)
}

/// The variables a summary needs computed.
pub fn summary_variables(rows: &[SummaryRow]) -> Vec<VarId> {
    let mut needed = Vec::new();
    for row in rows {
        needed.push(row.amount);
        needed.extend(row.eligible);
        if let Some(Envelope::Variable(id)) = row.envelope {
            needed.push(id);
        }
    }
    needed
}

//! What changes between two versions of the law: the review of a change to `parameters/` and
//! `formulas/`, and its impact on the communes.
//!
//! A version is a rule directory or a git revision, read without touching the working tree
//! ([`Side::load`]). [`compare`] produces a [`Report`]: parameters added, removed or changed per
//! path and date (values compared exactly as decimals, so YAML layout is never a change), their
//! documentation changes apart, variables added or removed, declaration changes, and formulas
//! changed per start date (layout and comments ignored, real text shown). [`impact()`] computes
//! every output of both versions on the same inputs and summarises what moves. A report renders
//! for a terminal ([`render::terminal`]) or as Markdown for a pull-request comment
//! ([`render::markdown`]).
//!
//! Invariants: a side whose rules do not load or compile is still compared as far as its files
//! allow (its parameters, its parsed declarations), and its errors are part of the report, never
//! dropped; the report is deterministic (everything sorted by name, then date), so that it can
//! be snapshot-tested and re-run on a pull request with the same result.
#![forbid(unsafe_code)]

mod formulas;
mod git;
pub mod impact;
mod numbers;
mod params;
pub mod render;
mod side;

use dotations_diagnostics::Diagnostics;

pub use formulas::{DeclarationChange, FormulaChange, FormulaDiff, OtherChange, VariableSummary};
pub use impact::{impact, CommuneImpact, Impact, Measure, Mover, NationalChange};
pub use params::{Change, LeafChange, MetadataChange, ParameterDiff, Slot, ValueChange};
pub use side::{Side, SourceFile};

/// One side of a report: its name, what it is and its errors.
#[derive(Debug)]
pub struct SideSummary {
    pub name: String,
    pub description: String,
    /// Why its rules do not load or compile, if they do not.
    pub errors: Option<Diagnostics>,
}

/// Everything that differs between two versions.
#[derive(Debug)]
pub struct Report {
    pub old: SideSummary,
    pub new: SideSummary,
    /// `None` when a side's parameters do not load (its errors say why).
    pub parameters: Option<ParameterDiff>,
    pub formulas: FormulaDiff,
    /// Filled in when the impact on some data was asked for and computed.
    pub impact: Option<Impact>,
}

impl Report {
    /// Whether a side does not load or compile.
    pub fn has_errors(&self) -> bool {
        self.old.errors.is_some() || self.new.errors.is_some()
    }

    /// Whether the rules are the same (parameters and formulas; documentation included).
    pub fn is_empty(&self) -> bool {
        let f = &self.formulas;
        self.parameters.as_ref().is_some_and(|p| p.changes.is_empty() && p.metadata.is_empty())
            && f.added.is_empty()
            && f.removed.is_empty()
            && f.declarations.is_empty()
            && f.formulas.is_empty()
            && f.others.is_empty()
    }
}

/// Compares two versions of the rules.
pub fn compare(old: &Side, new: &Side) -> Report {
    let parameters = match (&old.parameters, &new.parameters) {
        (Ok(a), Ok(b)) => Some(params::diff(a, b)),
        _ => None,
    };
    let summary = |side: &Side| SideSummary {
        name: side.name.clone(),
        description: side.description.clone(),
        errors: side.errors().cloned(),
    };
    Report { old: summary(old), new: summary(new), parameters, formulas: formulas::diff(old, new), impact: None }
}

/// Loads both sides named on the command line (see [`Side::load`]), reporting the errors of
/// both at once.
pub fn load_pair(old: &str, new: &str, cwd: &std::path::Path) -> Result<(Side, Side), Diagnostics> {
    match (Side::load(old, cwd), Side::load(new, cwd)) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (a, b) => {
            let mut errors = Diagnostics::new();
            errors.extend(a.err().into_iter().flatten());
            errors.extend(b.err().into_iter().flatten());
            Err(errors)
        }
    }
}

//! What the server keeps between requests: the compiled law, each year's inputs and the
//! baseline results computed once at start-up.
//!
//! Requests never change this state: a what-if or a scenario works on copies (the dataset's
//! columns are shared, only the changed column is copied), so concurrent requests see the same
//! baseline.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::NaiveDate;
use dotations_diagnostics::Diagnostics;
use dotations_engine::eval::Run;
use dotations_engine::model::{Model, VarId};
use dotations_engine::plan::Plan;
use dotations_engine::{Computed, MissingInputs, Simulation};
use dotations_io::{InputTable, TableColumn};

/// Where the law and the data come from.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A rule directory; `None`: the embedded law.
    pub rules: Option<PathBuf>,
    /// Input tables with their year; empty: the embedded data.
    pub inputs: Vec<(i32, PathBuf)>,
    /// With the embedded data, the years to load (empty: all of them).
    pub years: Vec<i32>,
}

/// One dotation as shown to users: a row of the summary table (`formulas/synthese.yaml`).
pub use dotations_rules::summary::{Envelope, SummaryRow as Dotation};

/// The criteria of a commune shown on its page, in this order, when the model has them; those
/// that are inputs of the data can be changed in a what-if.
pub const CRITERIA: &[&str] = &[
    "population_insee",
    "population_dgf",
    "strate_demographique",
    "potentiel_financier",
    "potentiel_financier_par_habitant",
    "effort_fiscal",
    "revenu_total",
    "revenu_par_habitant",
    "longueur_voirie",
    "zone_de_montagne",
    "superficie",
    "population_enfants",
    "nombre_logements",
    "nombre_logements_sociaux",
    "nombre_beneficiaires_aides_au_logement",
];

/// One year of data and its baseline results.
pub struct Year {
    pub year: i32,
    /// The name of the data (`embedded data (2025)` or a file).
    pub origin: String,
    pub source: DataSource,
    pub table: InputTable,
    pub codes: Vec<String>,
    pub names: Vec<String>,
    pub departements: Vec<String>,
    /// Row of each commune code.
    pub rows: HashMap<String, usize>,
    /// Code and name of each commune, lower-case and without accents, for searching.
    pub search_keys: Vec<String>,
    /// Baseline values: each dotation's amount and eligibility, envelope variables and
    /// criteria for this year; amounts of the previous year when the plan computed them.
    pub values: HashMap<(VarId, i32), Arc<[f64]>>,
    /// The baseline run, kept whole: explanations read every value it went through.
    pub plan: Plan,
    pub run: Run,
}

impl Year {
    /// The baseline run, as the engine returns it (the plan and the values are copied: columns
    /// are shared, so this is cheap).
    pub fn computed<'a>(&self, model: &'a Model) -> Computed<'a> {
        Computed { model, plan: self.plan.clone(), run: self.run.clone() }
    }
}

/// Where a year's data comes from, to read it again for another model (a reform that adds
/// variables reads the data with them).
#[derive(Debug, Clone)]
pub enum DataSource {
    Embedded,
    File(PathBuf),
}

impl DataSource {
    pub fn read(&self, model: &Model, year: i32) -> Result<InputTable, Diagnostics> {
        match self {
            DataSource::Embedded => dotations_data::embedded_table(model, year),
            DataSource::File(path) => dotations_io::read_table(model, path, year),
        }
    }

    fn name(&self, year: i32) -> String {
        match self {
            DataSource::Embedded => format!("embedded data ({year})"),
            DataSource::File(path) => path.display().to_string(),
        }
    }
}

/// The whole state.
pub struct AppState {
    pub model: Model,
    /// Where the law comes from: `embedded` or a directory.
    pub rules_origin: String,
    pub dotations: Vec<Dotation>,
    pub criteria: Vec<VarId>,
    pub years: BTreeMap<i32, Year>,
}

impl AppState {
    /// Loads the law and the data, and computes every year's baseline.
    pub fn load(options: &Options) -> Result<AppState, Diagnostics> {
        let files = match &options.rules {
            Some(dir) => dotations_rules::RuleFiles::from_dir(dir)?,
            None => dotations_rules::RuleFiles::embedded(),
        };
        let rules_origin = files.origin.clone();
        let summary = files.summary.clone();
        let model = files.compile()?;
        let dotations = match &summary {
            Some((path, text)) => dotations_rules::summary::load_summary(&model, path, text)?,
            None => Vec::new(),
        };
        let criteria = CRITERIA.iter().filter_map(|name| model.variable_id(name)).collect();
        let mut state = AppState { model, rules_origin, dotations, criteria, years: BTreeMap::new() };
        let sources: Vec<(i32, DataSource)> = if options.inputs.is_empty() {
            let years = if options.years.is_empty() { dotations_data::YEARS.to_vec() } else { options.years.clone() };
            years.into_iter().map(|year| (year, DataSource::Embedded)).collect()
        } else {
            options.inputs.iter().map(|(year, path)| (*year, DataSource::File(path.clone()))).collect()
        };
        for (year, source) in sources {
            let table = source.read(&state.model, year)?;
            let loaded = state.year_data(year, source, table)?;
            state.years.insert(year, loaded);
        }
        Ok(state)
    }

    /// The latest year loaded.
    pub fn latest_year(&self) -> i32 {
        *self.years.keys().next_back().expect("at least one year is loaded")
    }

    /// The variables a dotation table needs: amounts, eligibility, envelope variables.
    pub fn dotation_variables(&self) -> Vec<VarId> {
        let mut vars = Vec::new();
        for dotation in &self.dotations {
            vars.push(dotation.amount);
            vars.extend(dotation.eligible);
            if let Some(Envelope::Variable(var)) = dotation.envelope {
                vars.push(var);
            }
        }
        vars.dedup();
        vars
    }

    fn year_data(&self, year: i32, source: DataSource, table: InputTable) -> Result<Year, Diagnostics> {
        let model = &self.model;
        let person = model.person_entity();
        let mut targets = self.dotation_variables();
        for var in &self.criteria {
            if !targets.contains(var) && model.variables[*var].value_type != dotations_engine::model::ValueType::Text {
                targets.push(*var);
            }
        }
        let simulation = Simulation::new(model, &table.dataset, MissingInputs::Error);
        let computed = simulation.compute_ids(year, &targets)?;
        let mut values = HashMap::new();
        for var in &targets {
            if let Some(value) = computed.value(*var, year) {
                let rows = table.dataset.size(model.variables[*var].entity);
                values.insert((*var, year), value.to_column(rows));
            }
        }
        for dotation in &self.dotations {
            if let Some(value) = computed.value(dotation.amount, year - 1) {
                values.insert((dotation.amount, year - 1), value.to_column(table.dataset.size(person)));
            }
        }
        let codes = table.dataset.ids(person).to_vec();
        let names = text_column(model, &table, "nom");
        let departements = text_column(model, &table, "departement");
        let rows = codes.iter().enumerate().map(|(row, code)| (code.clone(), row)).collect();
        let search_keys = codes
            .iter()
            .zip(&names)
            .map(|(code, name)| crate::communes::normalize(&format!("{code} {name}")))
            .collect();
        let Computed { plan, run, .. } = computed;
        Ok(Year {
            year,
            origin: source.name(year),
            source,
            table,
            codes,
            names,
            departements,
            rows,
            search_keys,
            values,
            plan,
            run,
        })
    }

    /// The year asked for, or the latest; an unknown year is a 404 that lists the years.
    pub fn year(&self, year: Option<i32>) -> Result<&Year, crate::error::ApiError> {
        let year = year.unwrap_or_else(|| self.latest_year());
        self.years.get(&year).ok_or_else(|| {
            let years: Vec<String> = self.years.keys().map(|y| y.to_string()).collect();
            crate::error::ApiError::not_found(format!(
                "no data for {year}: this server has the years {}",
                years.join(", ")
            ))
        })
    }

    /// A dotation's envelope for a year, when known.
    pub fn envelope(&self, dotation: &Dotation, year: i32, values: &dyn Fn(VarId) -> Option<f64>) -> Option<f64> {
        match dotation.envelope.as_ref()? {
            Envelope::Parameter(path) => {
                let date = NaiveDate::from_ymd_opt(year, 1, 1)?;
                match self.model.parameters.value_at(path, date) {
                    Ok(Some(dotations_params::ParamValue::Number(n))) => Some(dotations_params::decimal_to_f64(*n)),
                    _ => None,
                }
            }
            Envelope::Variable(var) => values(*var),
        }
    }
}

/// A text column of the input table (every row; empty texts when absent).
fn text_column(model: &Model, table: &InputTable, header: &str) -> Vec<String> {
    let rows = table.dataset.size(model.person_entity());
    let column = table.columns.iter().find(|(h, _)| h == header).map(|(_, c)| c);
    let texts = match column {
        Some(TableColumn::Other(texts)) => Some(texts.clone()),
        Some(TableColumn::Variable { var, year }) => match table.dataset.text(model, *var, *year) {
            Some(texts) => Some(texts.to_vec()),
            None => {
                table.dataset.input(model, *var, *year).map(|v| (0..rows).map(|row| format!("{}", v.at(row))).collect())
            }
        },
        _ => None,
    };
    texts.filter(|t| t.len() == rows).unwrap_or_else(|| vec![String::new(); rows])
}

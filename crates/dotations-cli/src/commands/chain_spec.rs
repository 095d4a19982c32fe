//! The chain file (`data/chain.yaml`): what is done to a result of year N, beyond a copy, before
//! it becomes a previous-year value of N+1.
//!
//! Today one thing: a value masked by a boolean of the same year (`masks: {value: mask}`), as the
//! DGCL publishes no cible part for a commune that is not eligible to the cible fraction while
//! the reference model computes one (its quirk Q6). Every name is checked against the model, and
//! an error points at the file's line.

use std::path::Path;
use std::sync::Arc;

use dotations_diagnostics::{did_you_mean, Diagnostic, Diagnostics, SourceText};
use dotations_engine::model::{Kind, Model, VarId};
use marked_yaml::types::MarkedScalarNode;
use marked_yaml::{LoaderOptions, Node};

const EMBEDDED: &str = include_str!("../../../../data/chain.yaml");
const EMBEDDED_NAME: &str = "data/chain.yaml (embedded)";

/// What the chain does to results, and where it was read.
pub struct ChainSpec {
    /// The file, or why there is none.
    origin: String,
    /// (value, mask): the value of N times the mask of N.
    masks: Vec<(VarId, VarId)>,
}

impl ChainSpec {
    /// The chain file to use: the one given, else `chain.yaml` of the rule directory, else the
    /// embedded one when the rules are the embedded ones.
    pub fn load(model: &Model, file: Option<&Path>, rules: Option<&Path>) -> Result<ChainSpec, Diagnostics> {
        let (name, text) = match (file, rules) {
            (Some(path), _) => (path.display().to_string(), read(path)?),
            (None, Some(dir)) if dir.join("chain.yaml").exists() => {
                let path = dir.join("chain.yaml");
                (path.display().to_string(), read(&path)?)
            }
            (None, Some(dir)) => {
                let origin = format!("no chain.yaml in {}: results are carried as computed", dir.display());
                return Ok(ChainSpec { origin, masks: Vec::new() });
            }
            (None, None) => (EMBEDDED_NAME.to_string(), EMBEDDED.to_string()),
        };
        parse(model, &SourceText::new(name.as_str(), text), name.clone())
    }

    /// One line for the output: which chain file applies.
    pub fn describe(&self) -> String {
        format!("chain: {}", self.origin)
    }

    /// The value carried for `var`, and how it was adjusted (for the output), if it was.
    pub fn apply(
        &self,
        model: &Model,
        var: VarId,
        values: Arc<[f64]>,
        result: impl Fn(VarId) -> Option<Arc<[f64]>>,
    ) -> (Arc<[f64]>, Option<String>) {
        let Some((_, mask)) = self.masks.iter().find(|(v, _)| *v == var) else { return (values, None) };
        match result(*mask) {
            Some(mask_values) => {
                let masked: Arc<[f64]> =
                    values.iter().zip(mask_values.iter()).map(|(v, m)| if *m != 0.0 { *v } else { 0.0 }).collect();
                (masked, Some(format!("masked by {}", model.variables[*mask].name)))
            }
            None => (values, Some(format!("not masked: {} was not computed", model.variables[*mask].name))),
        }
    }
}

fn read(path: &Path) -> Result<String, Diagnostics> {
    std::fs::read_to_string(path)
        .map_err(|e| Diagnostics::from(Diagnostic::error(format!("cannot read {}: {e}", path.display()))))
}

fn parse(model: &Model, source: &SourceText, origin: String) -> Result<ChainSpec, Diagnostics> {
    let options = LoaderOptions::default().error_on_duplicate_keys(true).prevent_coercion(true);
    let at = |scalar: &MarkedScalarNode| match scalar.span().start() {
        Some(m) => source.location_at_line(m.line(), m.column(), scalar.as_str().chars().count()),
        None => source.location_at_line(1, 1, 1),
    };
    let root = marked_yaml::parse_yaml_with_options(0, source.text(), options).map_err(|e| {
        Diagnostics::from(Diagnostic::error(format!("invalid chain file: {e}")).at(source.location_at_line(1, 1, 1)))
    })?;
    dotations_params::located::single_document(source, "a chain file holds one set of `key: value` lines")?;
    let mut diagnostics = Diagnostics::new();
    let Some(top) = root.as_mapping() else {
        return Err(Diagnostic::error("a chain file holds `key: value` lines")
            .at(source.location_at_line(1, 1, 1))
            .into());
    };
    for key in top.keys().filter(|k| k.as_str() != "masks") {
        diagnostics.push(
            Diagnostic::error(format!("unknown key `{}` in a chain file", key.as_str()))
                .at(at(key))
                .with_help_opt(did_you_mean(key.as_str(), ["masks"]))
                .with_note("a chain file has one section: `masks` (value: boolean that masks it)"),
        );
    }
    let mut masks = Vec::new();
    if let Some(node @ (Node::Sequence(_) | Node::Scalar(_))) = top.get_node("masks") {
        let location = match node {
            Node::Scalar(scalar) => at(scalar),
            _ => top.keys().find(|k| k.as_str() == "masks").map_or_else(|| source.location_at_line(1, 1, 1), at),
        };
        diagnostics.push(
            Diagnostic::error("`masks` holds `value: mask` lines, one per masked variable")
                .at(location)
                .with_help("one line per masked variable under `masks:`, e.g. `  dsu_montant: dsu_eligible`"),
        );
    }
    if let Some(Node::Mapping(entries)) = top.get_node("masks") {
        for (value, mask) in entries.iter() {
            let Some(mask) = mask.as_scalar() else {
                diagnostics.push(Diagnostic::error("a mask is one boolean variable").at(at(value)));
                continue;
            };
            let (value_id, mask_id) =
                (lookup(model, value, &at, &mut diagnostics), lookup(model, mask, &at, &mut diagnostics));
            let (Some(value_id), Some(mask_id)) = (value_id, mask_id) else { continue };
            if model.variables[mask_id].value_type.kind() != Kind::Bool {
                diagnostics.push(
                    Diagnostic::error(format!("`{}` is not a boolean: it cannot mask", mask.as_str())).at(at(mask)),
                );
                continue;
            }
            masks.push((value_id, mask_id));
        }
    }
    diagnostics.into_result(ChainSpec { origin, masks })
}

fn lookup(
    model: &Model,
    name: &MarkedScalarNode,
    at: &impl Fn(&MarkedScalarNode) -> dotations_diagnostics::Location,
    diagnostics: &mut Diagnostics,
) -> Option<VarId> {
    let text = name.as_str().trim();
    let id = model.variable_id(text);
    if id.is_none() {
        diagnostics.push(model.unknown_variable(text).at(at(name)));
    }
    id
}

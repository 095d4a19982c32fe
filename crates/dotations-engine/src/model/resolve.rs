//! Declarations: from syntax trees to a [`Model`] (names, types, entities, defaults).
//!
//! Expressions are resolved by [`super::typing`]; this module collects what formulas can refer
//! to, checks each declaration and assembles the model.

use std::collections::HashMap;

use dotations_diagnostics::{Diagnostic, Diagnostics, SourceText};
use dotations_lang::{self as lang, Item, Literal, TypeName};
use dotations_params::ParameterTree;

use super::typing::{ExprResolver, Scope};
use super::*;

/// Declarations of the rule files, each kept with the file it comes from.
struct Declarations {
    entities: Vec<(FileId, lang::EntityDecl)>,
    enums: Vec<(FileId, lang::EnumDecl)>,
    /// A variable, and for each of its formulas the file it comes from (a reform's formula
    /// comes from another file than its declaration).
    variables: Vec<(FileId, lang::VariableDecl, Vec<FileId>)>,
    columns: Vec<(FileId, lang::ColumnDecl)>,
}

pub(super) fn compile(
    mut sources: Vec<SourceText>,
    parameters: ParameterTree,
    changes: &[super::reform::FormulaChange],
) -> Result<Model, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let mut declarations = Declarations { entities: vec![], enums: vec![], variables: vec![], columns: vec![] };
    let base_files = sources.len();
    let mut unreadable = std::collections::HashSet::new();
    for (file, source) in sources.iter().enumerate() {
        let parsed = lang::parse(source);
        diagnostics.extend(parsed.diagnostics);
        unreadable.extend(parsed.unreadable);
        for item in parsed.file.items {
            match item {
                Item::Entity(e) => declarations.entities.push((file, e)),
                Item::Enum(e) => declarations.enums.push((file, e)),
                Item::Variable(v) => {
                    let files = vec![file; v.formulas.len()];
                    declarations.variables.push((file, v, files));
                }
                Item::Column(c) => declarations.columns.push((file, c)),
            }
        }
    }
    for change in changes {
        sources.push(change.body.clone());
        apply_formula_change(&mut declarations, change, sources.len() - 1, &mut diagnostics);
    }
    let mut model = Model {
        entities: Vec::new(),
        enums: Vec::new(),
        variables: Vec::new(),
        columns: Vec::new(),
        parameters,
        sources,
        base_files,
        variable_names: HashMap::new(),
        unreadable,
    };
    let mut cx = Checker { model: &mut model, diagnostics: &mut diagnostics };
    cx.entities(&declarations.entities);
    if cx.model.entities.is_empty() {
        // Without entities nothing else can be checked meaningfully.
        cx.diagnostics.push(
            Diagnostic::error("no entity is declared")
                .with_help("declare the rows of the model, e.g. `entity commune plural communes` and `group etat of commune plural etats`"),
        );
        return Err(diagnostics);
    }
    cx.enums(&declarations.enums);
    let formulas = cx.variable_signatures(&declarations.variables);
    cx.formulas(&declarations.variables, formulas);
    cx.columns(&declarations.columns);
    if !diagnostics.has_errors() {
        diagnostics.extend(super::super::graph::cycle_diagnostics(&model));
    }
    diagnostics.into_result(model)
}

/// Splices a reform's formula into a variable's declaration.
fn apply_formula_change(
    declarations: &mut Declarations,
    change: &super::reform::FormulaChange,
    file: FileId,
    diagnostics: &mut Diagnostics,
) {
    let Some((_, decl, files)) = declarations.variables.iter_mut().find(|(_, d, _)| d.name.text == change.variable)
    else {
        let names = declarations.variables.iter().map(|(_, d, _)| d.name.text.as_str());
        diagnostics.push(
            Diagnostic::error(format!("the reform changes the formula of `{}`, an unknown variable", change.variable))
                .at_opt(change.location.clone())
                .with_help_opt(dotations_diagnostics::did_you_mean(&change.variable, names)),
        );
        return;
    };
    let (bindings, expr) = match lang::parse_body(&change.body) {
        Ok(body) => body,
        Err(errors) => {
            diagnostics.extend(errors);
            return;
        }
    };
    let span = lang::Span::new(0, change.body.text().len());
    let formula = lang::Formula { start: Some(change.start), bindings, expr, span };
    let existing: Vec<((FileId, lang::Formula), Option<chrono::NaiveDate>)> = files
        .iter()
        .copied()
        .zip(decl.formulas.drain(..))
        .map(|(f, formula)| ((f, formula.clone()), formula.start))
        .collect();
    let spliced = super::reform::splice(existing, (file, formula), change.start, change.stop, |(f, formula), start| {
        (*f, lang::Formula { start: Some(start), ..formula.clone() })
    });
    files.clear();
    for ((f, formula), _) in spliced {
        files.push(f);
        decl.formulas.push(formula);
    }
}

struct Checker<'a> {
    model: &'a mut Model,
    diagnostics: &'a mut Diagnostics,
}

impl Checker<'_> {
    fn origin(file: FileId, span: lang::Span) -> Origin {
        Origin { file, span }
    }

    fn error_at(&mut self, file: FileId, span: lang::Span, message: String) -> &mut Diagnostic {
        let location = self.model.sources[file].location(span.start, span.len());
        self.diagnostics.push(Diagnostic::error(message).at(location));
        self.diagnostics.0.last_mut().expect("just pushed")
    }

    fn entities(&mut self, decls: &[(FileId, lang::EntityDecl)]) {
        // The person entity first: groups refer to it and it gets index 0.
        let mut ordered: Vec<&(FileId, lang::EntityDecl)> = decls.iter().filter(|(_, d)| d.members.is_none()).collect();
        if ordered.len() > 1 {
            let (file, extra) = ordered[1];
            self.error_at(*file, extra.name.span, format!("a second person entity `{}` is declared", extra.name.text))
                .help
                .push(
                    "the engine has one person entity (the commune); declare others as `group NAME of commune`".into(),
                );
        }
        ordered.truncate(1);
        ordered.extend(decls.iter().filter(|(_, d)| d.members.is_some()));
        for (file, decl) in ordered {
            let name = &decl.name.text;
            if self.model.entities.iter().any(|e| &e.name == name) {
                self.error_at(*file, decl.name.span, format!("entity `{name}` is declared twice"));
                continue;
            }
            let members = match &decl.members {
                None => None,
                Some(member) => match self.model.entities.iter().position(|e| e.name == member.text && !e.is_group()) {
                    Some(id) => Some(id),
                    None => {
                        self.error_at(*file, member.span, format!("unknown person entity `{}`", member.text));
                        continue;
                    }
                },
            };
            self.model.entities.push(Entity {
                name: name.clone(),
                plural: decl.plural.as_ref().map_or_else(|| format!("{name}s"), |p| p.text.clone()),
                label: decl.label.clone(),
                documentation: decl.documentation.clone(),
                members,
                origin: Self::origin(*file, decl.span),
            });
        }
    }

    fn enums(&mut self, decls: &[(FileId, lang::EnumDecl)]) {
        for (file, decl) in decls {
            if self.model.enums.iter().any(|e| e.name == decl.name.text) {
                self.error_at(*file, decl.name.span, format!("enumeration `{}` is declared twice", decl.name.text));
                continue;
            }
            let mut items: Vec<EnumItem> = Vec::new();
            for item in &decl.items {
                if items.iter().any(|i| i.name == item.name.text) {
                    self.error_at(*file, item.name.span, format!("item `{}` appears twice", item.name.text));
                } else {
                    items.push(EnumItem { name: item.name.text.clone(), label: item.label.clone() });
                }
            }
            self.model.enums.push(EnumType {
                name: decl.name.text.clone(),
                label: decl.label.clone(),
                items,
                origin: Self::origin(*file, decl.span),
            });
        }
    }

    /// Declares every variable (so formulas can refer to any of them, in any file), and returns,
    /// per declaration, the index of the declared variable if it was accepted.
    fn variable_signatures(&mut self, decls: &[(FileId, lang::VariableDecl, Vec<FileId>)]) -> Vec<Option<VarId>> {
        decls.iter().map(|(file, decl, _)| self.variable_signature(*file, decl)).collect()
    }

    fn variable_signature(&mut self, file: FileId, decl: &lang::VariableDecl) -> Option<VarId> {
        let name = &decl.name.text;
        if let Some(&first) = self.model.variable_names.get(name) {
            let first = self.model.location(self.model.variables[first].origin);
            self.error_at(file, decl.name.span, format!("variable `{name}` is declared twice"))
                .notes
                .push(format!("first declared at {first}"));
            return None;
        }
        let entity = match self.model.entity_id(&decl.entity.text) {
            Some(id) => id,
            None => {
                let help = dotations_diagnostics::did_you_mean(
                    &decl.entity.text,
                    self.model.entities.iter().map(|e| e.name.as_str()),
                );
                self.error_at(file, decl.entity.span, format!("unknown entity `{}`", decl.entity.text))
                    .help
                    .extend(help);
                return None;
            }
        };
        let value_type = match &decl.value_type {
            TypeName::Number => ValueType::Number,
            TypeName::Money => ValueType::Money,
            TypeName::Integer => ValueType::Integer,
            TypeName::Boolean => ValueType::Boolean,
            TypeName::Date => ValueType::Date,
            TypeName::Text => ValueType::Text,
            TypeName::Enum(enum_name) => match self.model.enums.iter().position(|e| e.name == enum_name.text) {
                Some(id) => ValueType::Enum(id),
                None => {
                    let help = dotations_diagnostics::did_you_mean(
                        &enum_name.text,
                        self.model.enums.iter().map(|e| e.name.as_str()),
                    );
                    self.error_at(file, enum_name.span, format!("unknown enumeration `{}`", enum_name.text))
                        .help
                        .extend(help);
                    return None;
                }
            },
        };
        let default = self.default_value(file, decl, value_type)?;
        let id = self.model.variables.len();
        self.model.variables.push(Variable {
            name: name.clone(),
            value_type,
            entity,
            period: decl.period,
            label: decl.label.clone(),
            references: decl
                .references
                .iter()
                .map(|r| LegalReference { title: r.title.clone(), url: r.url.clone() })
                .collect(),
            unit: decl.unit.clone(),
            documentation: decl.documentation.clone(),
            default,
            end: decl.end.map(|(d, _)| d),
            formulas: Vec::new(),
            origin: Self::origin(file, decl.name.span),
        });
        self.model.variable_names.insert(name.clone(), id);
        Some(id)
    }

    /// The default as a run-time value; without `default`, OpenFisca's: 0, false, 1970-01-01,
    /// the first item of an enumeration.
    fn default_value(&mut self, file: FileId, decl: &lang::VariableDecl, value_type: ValueType) -> Option<f64> {
        let Some((literal, span)) = &decl.default else {
            return Some(0.0);
        };
        let value = match (value_type.kind(), literal) {
            (Kind::Number, Literal::Number { value, .. }) => Some(*value),
            (Kind::Bool, Literal::Boolean(b)) => Some(f64::from(u8::from(*b))),
            (Kind::Date, Literal::Date(d)) => Some(date_to_days(*d)),
            (Kind::Enum(e), Literal::Item(item)) => {
                let enumeration = &self.model.enums[e];
                match enumeration.index_of(item) {
                    Some(index) => Some(index as f64),
                    None => {
                        let help = dotations_diagnostics::did_you_mean(
                            item,
                            enumeration.items.iter().map(|i| i.name.as_str()),
                        );
                        let message = format!("`{item}` is not an item of `{}`", enumeration.name);
                        self.error_at(file, *span, message).help.extend(help);
                        return None;
                    }
                }
            }
            (Kind::Text, Literal::Text(_)) => Some(0.0),
            _ => None,
        };
        if value.is_none() {
            let message = format!("the default value does not fit the type `{}`", value_type.name());
            self.error_at(file, *span, message);
        }
        value
    }

    fn formulas(&mut self, decls: &[(FileId, lang::VariableDecl, Vec<FileId>)], ids: Vec<Option<VarId>>) {
        for ((_, decl, files), id) in decls.iter().zip(ids) {
            let Some(id) = id else { continue };
            if !decl.formulas.is_empty() && !self.formula_dates_are_valid(decl, files) {
                continue;
            }
            let mut formulas = Vec::new();
            for (formula, formula_file) in decl.formulas.iter().zip(files) {
                if let Some(formula) = self.formula(*formula_file, id, formula) {
                    formulas.push(formula);
                }
            }
            self.model.variables[id].formulas = formulas;
        }
    }

    /// Formulas come in increasing date order; an undated `= …` formula comes first.
    fn formula_dates_are_valid(&mut self, decl: &lang::VariableDecl, files: &[FileId]) -> bool {
        if decl.period == PeriodKind::Eternal {
            let span = decl.formulas[0].span;
            self.error_at(files[0], span, format!("`{}` is eternal: it cannot have a formula", decl.name.text))
                .help
                .push("declare it `yearly` if its value is computed".into());
            return false;
        }
        // An undated formula (`= …`) holds from the beginning of time: it can only come first.
        if let Some((undated, file)) = decl.formulas.iter().zip(files).skip(1).find(|(f, _)| f.start.is_none()) {
            self.error_at(*file, undated.span, "only the first formula can be undated (`= …`)".into())
                .help
                .push("write it `from DATE:` like the others, or move it first".into());
            return false;
        }
        for (pair, file) in decl.formulas.windows(2).zip(&files[1..]) {
            if pair[1].start <= pair[0].start {
                let message = format!(
                    "formulas must be in date order: {} comes after {}",
                    pair[1].start.map_or("?".into(), |d| d.to_string()),
                    pair[0].start.map_or("?".into(), |d| d.to_string())
                );
                self.error_at(*file, pair[1].span, message);
                return false;
            }
        }
        true
    }

    fn formula(&mut self, file: FileId, var: VarId, formula: &lang::Formula) -> Option<Formula> {
        let variable = &self.model.variables[var];
        let (entity, expected) = (variable.entity, variable.value_type);
        let mut scope = Scope::default();
        let mut bindings = Vec::new();
        let mut ok = true;
        for binding in &formula.bindings {
            if self.model.variable_names.contains_key(&binding.name.text) {
                self.error_at(file, binding.name.span, format!("`{}` is already a variable", binding.name.text))
                    .help
                    .push("give the `let` another name".into());
                ok = false;
                continue;
            }
            let resolved =
                ExprResolver::new(self.model, self.diagnostics, file, &scope).resolve(&binding.value, entity);
            match resolved {
                Some(expr) => {
                    scope.push(&binding.name.text, expr.kind, expr.shape);
                    bindings.push(expr);
                }
                None => {
                    // Its mistake is reported: its readers are not reported again.
                    scope.push_unresolved(&binding.name.text);
                    ok = false
                }
            }
        }
        let expr = ExprResolver::new(self.model, self.diagnostics, file, &scope).resolve(&formula.expr, entity);
        let expr = expr.filter(|_| ok)?;
        if !self.result_fits(file, &formula.expr, &expr, var, expected) {
            return None;
        }
        Some(Formula { start: formula.start, bindings, expr, origin: Self::origin(file, formula.span) })
    }

    /// The formula's value must have the variable's type and be defined per row of its entity.
    fn result_fits(
        &mut self,
        file: FileId,
        written: &lang::Expr,
        expr: &TExpr,
        var: VarId,
        expected: ValueType,
    ) -> bool {
        let variable = &self.model.variables[var];
        if expected == ValueType::Text {
            let name = variable.name.clone();
            self.error_at(file, written.span, format!("`{name}` is a text variable: text cannot be computed"));
            return false;
        }
        if expr.kind != expected.kind() {
            let found = super::typing::kind_name(self.model, expr.kind);
            let message = format!(
                "this formula computes {found}, but `{}` is declared `{}`",
                variable.name,
                super::typing::value_type_name(self.model, expected)
            );
            self.error_at(file, written.span, message);
            return false;
        }
        if let Shape::Rows(entity) = expr.shape {
            if entity != variable.entity {
                let message = format!(
                    "this formula gives a value per {}, but `{}` is a variable of {}",
                    self.model.entities[entity].name, variable.name, self.model.entities[variable.entity].name
                );
                self.error_at(file, written.span, message)
                    .help
                    .push("aggregate with sum(…, per GROUP) or sum(…)".into());
                return false;
            }
        }
        true
    }

    fn columns(&mut self, decls: &[(FileId, lang::ColumnDecl)]) {
        for (file, decl) in decls {
            let lang::ExprKind::Reference(reference) = &decl.target.kind else {
                self.error_at(
                    *file,
                    decl.target.span,
                    "a column gives a variable at a period: write `variable[year expression]`".into(),
                );
                continue;
            };
            let (Some(var), [_], Some(at)) =
                (self.model.variable_id(&reference.dotted()), &reference.path[..], &reference.at)
            else {
                self.error_at(
                    *file,
                    decl.target.span,
                    "a column gives a variable at a period: write `variable[year expression]`".into(),
                );
                continue;
            };
            if self.model.variable_id(&decl.name.text).is_some()
                || self.model.columns.iter().any(|c| c.name == decl.name.text)
            {
                self.error_at(
                    *file,
                    decl.name.span,
                    format!("`{}` is already the name of a variable or column", decl.name.text),
                );
                continue;
            }
            let entity = self.model.variables[var].entity;
            let scope = Scope::default();
            let Some(year) = ExprResolver::new(self.model, self.diagnostics, *file, &scope).resolve(at, entity) else {
                continue;
            };
            if year.kind != Kind::Number {
                self.error_at(*file, at.span, "the period of a column is a year (a number)".into());
                continue;
            }
            self.model.columns.push(InputColumn {
                name: decl.name.text.clone(),
                label: decl.label.clone(),
                var,
                year,
                origin: Self::origin(*file, decl.span),
            });
        }
    }
}

//! `dotations graph`: what a variable depends on.

use std::path::Path;

use dotations_diagnostics::Diagnostics;
use dotations_engine::graph::dependencies;

pub fn run(name: &str, inputs: bool, rules: Option<&Path>) -> Result<(), Diagnostics> {
    let model = dotations_rules::load(rules)?;
    let Some(var) = model.variable_id(name) else {
        return Err(model.unknown_variable(name).into());
    };
    let variable = &model.variables[var];
    let location = model.location(variable.origin);
    println!("{name}  ({}, per {}; {location})", variable.value_type.name(), model.entities[variable.entity].name);
    if let Some(label) = &variable.label {
        println!("  {label}");
    }
    if !variable.is_computed() {
        println!("\nan input variable: it has no formula");
        return Ok(());
    }
    let deps = dependencies(&model, var);
    let none = |empty: bool| if empty { " none" } else { "" };
    println!("\nvariables read:{}", none(deps.variables.is_empty()));
    for (read, periods) in &deps.variables {
        let periods: Vec<&str> = periods.iter().map(String::as_str).collect();
        println!("  {:<70} [{}]", model.variables[*read].name, periods.join(", "));
    }
    println!("\nparameters read:{}", none(deps.parameters.is_empty()));
    for (path, dates) in &deps.parameters {
        let dates: Vec<&str> = dates.iter().map(String::as_str).collect();
        println!("  {path:<70} [{}]", dates.join(", "));
    }
    if inputs {
        println!("\ninputs needed ({}):", deps.inputs.len());
        for input in &deps.inputs {
            println!("  {}", model.variables[*input].name);
        }
    }
    Ok(())
}

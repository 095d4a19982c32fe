//! Parsing every construct of the language, and reporting every syntax error of a file.

use dotations_diagnostics::SourceText;
use dotations_lang::*;

fn parse_ok(text: &str) -> RuleFile {
    let parsed = parse(&SourceText::new("test.rules", text));
    assert!(parsed.diagnostics.is_empty(), "{}", parsed.diagnostics);
    parsed.file
}

fn only_variable(file: &RuleFile) -> &VariableDecl {
    match &file.items[..] {
        [Item::Variable(v)] => v,
        other => panic!("expected one variable, got {other:?}"),
    }
}

#[test]
fn declarations_with_every_property() {
    let file = parse_ok(
        r#"
entity commune plural communes label "Commune"
group etat of commune plural etats label "État"

enum grille_densite label "Grille de densité"
  inconnue "Inconnue"
  bourg_rural "Bourg rural"
  rural_habitat_disperse

variable population_insee : integer, per commune, yearly
  label "Population INSEE"
  reference "CGCT, art. L2334-2" https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000048849596
  reference https://example.org/other
  unit inhabitant
  default -9999

variable zrr : boolean, per commune, eternal
  end 2024-06-30

variable grille_densite_insee : enum grille_densite, per commune, yearly
  default inconnue
"#,
    );
    assert_eq!(file.items.len(), 6);
    let Item::Entity(etat) = &file.items[1] else { panic!() };
    assert_eq!(etat.members.as_ref().unwrap().text, "commune");
    assert_eq!(etat.label.as_deref(), Some("État"));
    let Item::Enum(grille) = &file.items[2] else { panic!() };
    assert_eq!(grille.items.len(), 3);
    assert_eq!(grille.items[2].label, None);
    let Item::Variable(population) = &file.items[3] else { panic!() };
    assert_eq!(population.value_type, TypeName::Integer);
    assert_eq!(population.references.len(), 2);
    assert_eq!(population.references[1].title, None);
    assert_eq!(population.unit.as_deref(), Some("inhabitant"));
    assert!(matches!(population.default, Some((Literal::Number { value, .. }, _)) if value == -9999.0));
    assert!(population.formulas.is_empty());
    let Item::Variable(zrr) = &file.items[4] else { panic!() };
    assert_eq!(zrr.period, PeriodKind::Eternal);
    assert_eq!(zrr.end.unwrap().0, chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap());
}

#[test]
fn dated_formulas_and_bindings() {
    let file = parse_ok(
        r#"
variable strate : integer, per commune, yearly
  from 2019-01-01:
    let p = population_dgf
    population.groupes_demographiques(p)
  from 2024-01-01:
    population.groupes_demographiques[N-1](population_dgf[N-1] otherwise 0)
"#,
    );
    let variable = only_variable(&file);
    assert_eq!(variable.formulas.len(), 2);
    assert_eq!(variable.formulas[0].bindings.len(), 1);
    let ExprKind::Reference(reference) = &variable.formulas[1].expr.kind else { panic!() };
    assert_eq!(reference.dotted(), "population.groupes_demographiques");
    assert!(reference.at.is_some());
    let ExprKind::Reference(argument) = &reference.scale_argument.as_ref().unwrap().kind else { panic!() };
    assert!(argument.otherwise.is_some());
}

#[test]
fn operator_precedence() {
    let expr = parse_expression(&SourceText::new("e", "a + b * c > 2 and not d or e")).unwrap();
    // or(and(compare(a + (b*c) > 2), not d), e)
    let ExprKind::Binary { op: BinaryOp::Or, lhs, .. } = expr.kind else { panic!("{expr:?}") };
    let ExprKind::Binary { op: BinaryOp::And, lhs: comparison, rhs: negation } = lhs.kind else { panic!() };
    assert!(matches!(negation.kind, ExprKind::Not(_)));
    let ExprKind::Compare { first, rest } = comparison.kind else { panic!() };
    assert_eq!(rest.len(), 1);
    let ExprKind::Binary { op: BinaryOp::Add, rhs, .. } = first.kind else { panic!() };
    assert!(matches!(rhs.kind, ExprKind::Binary { op: BinaryOp::Mul, .. }));
}

#[test]
fn chained_comparison_is_and_in() {
    let expr = parse_expression(&SourceText::new("e", "1 <= age <= 3")).unwrap();
    let ExprKind::Compare { rest, .. } = expr.kind else { panic!() };
    assert_eq!(rest.iter().map(|(op, _)| *op).collect::<Vec<_>>(), [CompareOp::Le, CompareOp::Le]);
    let expr = parse_expression(&SourceText::new("e", "grille is bourg_rural")).unwrap();
    assert!(matches!(expr.kind, ExprKind::Is { .. }));
    let expr =
        parse_expression(&SourceText::new("e", "evenement in [fusion_simple, creation_commune_nouvelle]")).unwrap();
    let ExprKind::In { items, .. } = expr.kind else { panic!() };
    assert_eq!(items.len(), 2);
}

#[test]
fn population_operators_and_named_arguments() {
    let expr = parse_expression(&SourceText::new(
        "e",
        "distribute(budget total, score s, previous x[N-1], between 0.9 and 1.2, unbounded where new).point",
    ))
    .unwrap();
    let ExprKind::Field { target, field } = expr.kind else { panic!() };
    assert_eq!(field.text, "point");
    let ExprKind::Call { function, arguments } = target.kind else { panic!() };
    assert_eq!(function.text, "distribute");
    assert_eq!(arguments.len(), 5);
    assert!(matches!(arguments[3], Argument::Between { .. }));
    assert!(matches!(arguments[4], Argument::Keyword { keyword: ArgumentKeyword::Unbounded, .. }));

    let expr =
        parse_expression(&SourceText::new("e", "ratio_of_sums(pf, pop, by strate, where not outre_mer)")).unwrap();
    let ExprKind::Call { arguments, .. } = expr.kind else { panic!() };
    assert!(matches!(arguments[2], Argument::Keyword { keyword: ArgumentKeyword::By, .. }));
    assert!(matches!(arguments[3], Argument::Keyword { keyword: ArgumentKeyword::Where, .. }));

    let expr = parse_expression(&SourceText::new("e", "rank(score_x, descending)")).unwrap();
    let ExprKind::Call { arguments, .. } = expr.kind else { panic!() };
    assert!(matches!(arguments[0], Argument::Positional(_)));
    assert!(matches!(arguments[1], Argument::Order { order: Order::Descending, .. }));
}

#[test]
fn numbers_with_separators_dates_and_conditionals() {
    let expr = parse_expression(&SourceText::new("e", "if d >= 2024-01-02 then 1_000_000.5 else -2e3")).unwrap();
    let ExprKind::If { condition, then, otherwise } = expr.kind else { panic!() };
    let ExprKind::Compare { rest, .. } = condition.kind else { panic!() };
    assert!(matches!(rest[0].1.kind, ExprKind::Date(_)));
    assert!(matches!(then.kind, ExprKind::Number { value, .. } if value == 1_000_000.5));
    assert!(matches!(otherwise.kind, ExprKind::Negate(_)));
}

#[test]
fn every_broken_declaration_is_reported_and_the_others_kept() {
    let text = "\
variable a : number, per commune, yearly
  = 1 +

variable b : number, per commune, yearly
  = 2

variable c : numbr, per commune, yearly

variable d : number, per commune, yearly
  from 2024-13-01: 3
";
    let parsed = parse(&SourceText::new("formulas/broken.rules", text));
    let names: Vec<_> = parsed
        .file
        .items
        .iter()
        .map(|i| match i {
            Item::Variable(v) => v.name.text.as_str(),
            _ => "",
        })
        .collect();
    assert_eq!(names, ["b", "d"], "a and c do not parse; d parses but its formula has a bad date");
    insta::assert_snapshot!(parsed.diagnostics.to_string());
}

/// Depth of an expression tree, counted as the builder counts it (an operator, a call, a field,
/// a condition or a reference is a level).
fn depth(expr: &Expr) -> usize {
    let below = |e: &Expr| depth(e);
    1 + match &expr.kind {
        ExprKind::Binary { lhs, rhs, .. } => below(lhs).max(below(rhs)),
        ExprKind::Negate(e) | ExprKind::Not(e) => below(e),
        ExprKind::If { condition, then, otherwise } => below(condition).max(below(then)).max(below(otherwise)),
        _ => 0,
    }
}

#[test]
fn expressions_nested_past_the_limit_are_an_error_not_a_crash() {
    let formula = |expr: String| format!("variable x : number, per commune, yearly\n  = {expr}\n");
    // Within the limit: a sum of 150 terms and 150 nested parentheses parse, whole.
    let sum = vec!["a"; 150].join(" + ");
    let file = parse_ok(&formula(sum));
    let Some(Formula { expr, .. }) = only_variable(&file).formulas.first() else { panic!("a formula") };
    assert_eq!(depth(expr), 150);
    let nested = format!("{}a{}", "(1 + ".repeat(150), ")".repeat(150));
    parse_ok(&formula(nested));
    // Past it, by a long chain or deep parentheses (thousands of levels would exhaust the
    // stack of the passes that follow the tree): one error each, at the expression.
    let cases = [(vec!["a"; 5_000].join(" + "), 5), (format!("{}a{}", "(1 + ".repeat(250), ")".repeat(250)), 1006)];
    for (expr, column) in cases {
        let parsed = parse(&SourceText::new("deep.rules", formula(expr)));
        // Messages quote the line: only their first lines are shown.
        let messages: Vec<String> =
            parsed.diagnostics.iter().map(|d| d.to_string().lines().take(2).collect::<Vec<_>>().join("\n")).collect();
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(messages[0].contains(&format!("nests more than {MAX_NESTING} levels deep")), "{}", messages[0]);
        assert!(messages[0].contains(&format!("deep.rules:2:{column}")), "{}", messages[0]);
    }
}

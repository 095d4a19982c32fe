//! Did-you-mean suggestions for misspelt names.

/// The closest candidate to `name`, when one is close enough to be a likely typo.
///
/// ```
/// use dotations_diagnostics::did_you_mean;
/// let names = ["population_dgf", "population_insee", "superficie"];
/// assert_eq!(did_you_mean("populaton_dgf", names.iter().copied()).as_deref(),
///            Some("did you mean `population_dgf`?"));
/// assert_eq!(did_you_mean("zzz", names.iter().copied()), None);
/// ```
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    closest(name, candidates).map(|best| format!("did you mean `{best}`?"))
}

/// The closest candidate by Jaro-Winkler similarity, above a threshold that keeps only typos.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

//! Embeds the git commit the binary is built from (`DOTATIONS_GIT_COMMIT`), for the engine
//! version of reproducibility stamps; `unknown` outside a git checkout or without git.
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (output.status.success() && !text.is_empty()).then_some(text)
}

fn main() {
    let commit = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=DOTATIONS_GIT_COMMIT={commit}");
    // Built again when HEAD moves: a commit, a checkout (the branch's ref file, or packed refs).
    // (Only files that exist: cargo would otherwise run this script at every build.)
    if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        let reference = git(&["symbolic-ref", "-q", "HEAD"]);
        let files = ["HEAD".to_string(), "packed-refs".to_string()].into_iter().chain(reference);
        for file in files {
            let path = std::path::Path::new(&dir).join(file);
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}

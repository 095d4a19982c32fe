//! The rule files are embedded with `include_dir!`, which cargo does not track: rebuild this
//! crate whenever a parameter or formula file changes.
fn main() {
    println!("cargo:rerun-if-changed=../../parameters");
    println!("cargo:rerun-if-changed=../../formulas");
}

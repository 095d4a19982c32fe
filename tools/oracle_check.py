#!/usr/bin/env python3
"""Compare the engine with the reference outputs of ../shared/oracle, for chosen variables.

    tools/oracle_check.py --year 2024 [--rules DIR] [--isolate] [--show K] VARIABLE_OR_RULE_FILE ...

Without --isolate, the engine runs on the oracle *inputs* (the real chain: every variable the
tested ones need is computed by the rules). With --isolate, it runs on the oracle *outputs*
minus the tested columns, plus the oracle's national values as constant columns: everything
else is given the reference's values, so a mismatch is in the tested formulas themselves.

A rule file argument (formulas/dsu.rules) stands for every computed variable declared in it.
Uses target/release/dotations (build it with `cargo build --release -p dotations-cli`).
"""
import argparse, csv, gzip, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ORACLE = os.environ.get("DOTATIONS_ORACLE", os.path.join(ROOT, "..", "shared", "oracle"))
csv.field_size_limit(1 << 30)


def variables_of(path):
    names = []
    text = open(path).read()
    for m in re.finditer(r"^variable\s+(\w+)\s*:[^\n]*\n((?:[ \t#][^\n]*\n|\n)*)", text, re.M):
        if re.search(r"^\s*(=|from\s)", m.group(2), re.M):
            names.append(m.group(1))
    return names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--year", type=int, required=True)
    ap.add_argument("--rules", default=ROOT)
    ap.add_argument("--isolate", action="store_true")
    ap.add_argument("--show", type=int, default=3)
    ap.add_argument("targets", nargs="+")
    a = ap.parse_args()
    names = []
    for t in a.targets:
        names += variables_of(t) if t.endswith(".rules") else [t]
    etat_oracle = os.path.join(ORACLE, f"seed1_{a.year}_etat_f64.csv")
    outputs = os.path.join(ORACLE, f"seed1_{a.year}_outputs_f64.csv.gz")
    national = dict(csv.reader(open(etat_oracle)))
    national.pop("variable", None)
    tmp = tempfile.mkdtemp(prefix="oracle_check_")
    if a.isolate:
        source = os.path.join(tmp, "input.csv")
        with gzip.open(outputs, "rt") as f, open(source, "w", newline="") as g:
            r = csv.reader(f)
            w = csv.writer(g)
            header = next(r)
            keep = [i for i, h in enumerate(header) if h not in names]
            extra = [(k, v) for k, v in national.items() if k not in names]
            w.writerow([header[i] for i in keep] + [k for k, _ in extra])
            for row in r:
                w.writerow([row[i] for i in keep] + [v for _, v in extra])
    else:
        source = os.path.join(ORACLE, f"seed1_{a.year}_inputs.csv.gz")
    out, nat = os.path.join(tmp, "out.csv"), os.path.join(tmp, "nat.csv")
    exe = os.path.join(ROOT, "target", "release", "dotations")
    cmd = [exe, "compute", "--year", str(a.year), "--input", source, "--output", out, "--national", nat,
           "--rules", a.rules, "--variables", ",".join(names)]
    run = subprocess.run(cmd)
    if run.returncode:
        sys.exit(run.returncode)
    # compare.py reads `--only` for both tables: compare commune and national variables in two
    # runs, so that national names are not reported missing from the commune table.
    import json
    types = json.load(open(os.path.join(ORACLE, "variable_types.json")))
    national_names = [n for n in names if types.get(n, {}).get("entity") == "etat"]
    commune_names = [n for n in names if n not in national_names]
    status = 0
    for group, extra in ((commune_names, []), (national_names, ["--allow-missing"])):
        if not group:
            continue
        cmp = [sys.executable, os.path.join(ORACLE, "compare.py"), outputs, out, "--oracle-etat", etat_oracle,
               "--candidate-etat", nat, "--show", str(a.show)] + extra
        for n in group:
            cmp += ["--only", n]
        status |= subprocess.run(cmp).returncode
    missing_national = [n for n in national_names if n not in dict(csv.reader(open(nat)))]
    if missing_national:
        print("MISSING national variables:", ", ".join(missing_national))
        status = 1
    sys.exit(status)


if __name__ == "__main__":
    main()

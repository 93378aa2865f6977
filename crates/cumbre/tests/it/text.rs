//! The comment analyser from the command line: `cumbre text eval` on labelled comments.

use crate::process::{cumbre, text};

/// The section for `language` in an evaluation's output.
fn section<'a>(out: &'a str, language: &str) -> &'a str {
    let rest = out
        .split(&format!("== {language}:"))
        .nth(1)
        .unwrap_or_else(|| panic!("no {language} section in {out}"));
    rest.split("\n== ").next().unwrap_or(rest)
}

/// The macro-F1 figure of the section for `language` in an evaluation's output.
fn macro_f1(out: &str, language: &str) -> f64 {
    let section = section(out, language);
    section
        .lines()
        .find_map(|l| l.strip_prefix("macro-F1 "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no macro-F1 in {section}"))
}

#[test]
fn eval_scores_the_development_sets_per_language() {
    let dir = env!("CARGO_MANIFEST_DIR");
    for (file, language) in [("es", "es"), ("en", "en")] {
        let path = format!("{dir}/../cumbre-text/data/dev/{file}.csv");
        let out = cumbre(&["text", "eval", &path], None);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains("true \\ got"),
            "the confusion matrix: {stdout}"
        );
        // The shipped model on comments it never learnt from, and the rules alone: floors
        // that a broken lexicon, rule or weights file would fall through (chance is 0.33).
        let f1 = macro_f1(&stdout, language);
        assert!(f1 > 0.9, "{language}: macro-F1 {f1}");
        let rules = cumbre(&["text", "eval", &path, "--rules"], None);
        let f1 = macro_f1(&text(&rules.stdout), language);
        assert!(f1 > 0.6, "{language}: rules alone, macro-F1 {f1}");
        assert!(macro_f1(&stdout, "all") <= 1.0);
    }
    // Short plain complaints and praise, without a strong word: the model must not let
    // what long reviews taught it outvote what the rules find in five words.
    let path = format!("{dir}/../cumbre-text/data/check/short-plain.csv");
    let out = text(&cumbre(&["text", "eval", &path], None).stdout);
    for language in ["es", "en"] {
        let accuracy = section(&out, language)
            .lines()
            .find_map(|l| l.strip_prefix("accuracy "))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or_else(|| panic!("no accuracy in {out}"));
        assert!(
            accuracy >= 0.85,
            "{language}: short plain comments {accuracy}"
        );
    }
}

/// `cumbre text eval … | head -1`: the reader closes the pipe early, and the command stops
/// quietly (no panic report, the status of a tool whose pipe ended).
#[test]
fn a_closed_pipe_stops_the_command_quietly() {
    use std::process::{Command, Stdio};
    let dir = env!("CARGO_MANIFEST_DIR");
    let path = format!("{dir}/../cumbre-text/data/dev/es.csv");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cumbre"))
        .args(["text", "eval", &path])
        .env_remove("CUMBRE_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cumbre runs");
    // The reader is gone before the first line is written (reading the set comes first).
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("it ends");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "{stderr}");
}

#[test]
fn eval_refuses_a_bad_file_with_one_line() {
    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, body: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, body).expect("write");
        p.to_string_lossy().into_owned()
    };
    for (path, expected) in [
        (
            write(
                "label.csv",
                "text,label\nmuy bueno,positive\nmalo,regular\n",
            ),
            ":3: label 'regular'",
        ),
        (
            write("header.csv", "comment,stars\nbueno,5\n"),
            "the header must be",
        ),
        (write("empty.csv", "text,label\n"), "no rows"),
        (
            write("lang.csv", "text,label,language\nbon,positive,fr\n"),
            "language 'fr'",
        ),
        (
            dir.path()
                .join("missing.csv")
                .to_string_lossy()
                .into_owned(),
            "cannot read",
        ),
    ] {
        let out = cumbre(&["text", "eval", &path], None);
        assert!(!out.status.success(), "{path}");
        let err = text(&out.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(expected), "{expected}: {err}");
    }
    // A language column groups the figures by it.
    let given = write(
        "given.csv",
        "text,label,language\nExcelente servicio,positive,es\nTerrible food,negative,en\n",
    );
    let out = cumbre(&["text", "eval", &given], None);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("== es: 1 comments") && stdout.contains("== en: 1 comments"),
        "{stdout}"
    );
}

#[test]
fn train_writes_a_model_that_eval_reads() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("mine.csv");
    let mut csv = String::from("text,label,language\n");
    for i in 0..20 {
        csv.push_str(&format!(
            "Habitación {i} impecable y personal amable,positive,es\n"
        ));
        csv.push_str(&format!("Habitación {i} correcta sin más,neutral,es\n"));
        csv.push_str(&format!("Habitación {i} sucia y ruidosa,negative,es\n"));
    }
    std::fs::write(&data, csv).expect("write");
    let weights = dir.path().join("w.bin");
    let data_path = data.to_string_lossy().into_owned();
    let weights_path = weights.to_string_lossy().into_owned();
    let out = cumbre(&["text", "train", &data_path, "--out", &weights_path], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("trained on 60 comments (60 Spanish, 0 English)"));
    let eval = cumbre(
        &["text", "eval", &data_path, "--model", &weights_path],
        None,
    );
    assert!(eval.status.success(), "{}", text(&eval.stderr));
    assert!(
        macro_f1(&text(&eval.stdout), "es") > 0.9,
        "it learnt its own examples"
    );
    // Something that is not a model is refused in one line.
    let bad = cumbre(&["text", "eval", &data_path, "--model", &data_path], None);
    assert!(!bad.status.success());
    assert!(
        text(&bad.stderr).contains("is not a model"),
        "{}",
        text(&bad.stderr)
    );
    // Weights an earlier version trained (on other features) are refused, not misread.
    let mut old = std::fs::read(&weights).expect("weights");
    old[..8].copy_from_slice(b"CUMBRE01");
    std::fs::write(&weights, old).expect("write");
    let outdated = cumbre(
        &["text", "eval", &data_path, "--model", &weights_path],
        None,
    );
    assert!(!outdated.status.success());
    assert!(
        text(&outdated.stderr).contains("trained by an earlier version")
            && text(&outdated.stderr).lines().count() == 1,
        "{}",
        text(&outdated.stderr)
    );
}

#[test]
fn bench_text_times_the_analyser_beside_the_peer() {
    let out = cumbre(
        &["bench", "text", "--comments", "300", "--rounds", "1"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let rate = stdout
        .lines()
        .find(|l| l.starts_with("| cumbre-text"))
        .and_then(|l| l.split('|').nth(2))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or_else(|| panic!("our figure in {stdout}"));
    assert!(rate > 0.0);
    // The peer's line, or why it was not run: never silence.
    assert!(
        stdout.contains("| VADER") || stdout.contains("the peer was not run"),
        "{stdout}"
    );
}

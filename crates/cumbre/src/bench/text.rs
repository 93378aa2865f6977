//! `cumbre bench text`: how many comments a second one core reads — language, sentiment,
//! themes and employee mentions — beside a peer (VADER, from PyPI) timed on the same
//! comments in the same run, single-threaded both, the best of `rounds` each.

use anyhow::Context;
use std::time::Instant;

pub struct Options {
    pub comments: usize,
    pub rounds: usize,
    /// The Python that has `vaderSentiment` (the peer is skipped without it).
    pub python: String,
}

/// The development sets' comments, repeated to `n` (the same text twice costs the same).
fn corpus(n: usize) -> Vec<String> {
    let mut base = Vec::new();
    for file in [
        include_str!("../../../cumbre-text/data/dev/es.csv"),
        include_str!("../../../cumbre-text/data/dev/en.csv"),
    ] {
        let mut r = csv::Reader::from_reader(file.as_bytes());
        for rec in r.records().flatten() {
            if let Some(t) = rec.get(0) {
                base.push(t.to_owned());
            }
        }
    }
    base.iter().cycle().take(n).cloned().collect()
}

pub fn run(o: &Options) -> anyhow::Result<()> {
    let comments = corpus(o.comments.max(1));
    // A hotel's front desk and restaurant: the names its comments may hold.
    let people: Vec<cumbre_text::mentions::Person> = [
        "Carmen Ortiz",
        "José Ramírez",
        "José Luis Martínez",
        "Lupita Gómez",
        "Jorge Salas",
        "Maria Lopez",
        "Tom Baker",
        "Chloe Evans",
        "Ana Ruiz",
        "Luis Fernández",
    ]
    .iter()
    .enumerate()
    .map(|(i, n)| cumbre_text::mentions::Person {
        id: i as i64,
        name: (*n).into(),
    })
    .collect();
    let staff = cumbre_text::mentions::Staff::new(&people);
    let reader = cumbre_text::Reader::shipped();
    let chars: usize = comments.iter().map(|c| c.chars().count()).sum();
    // One warm-up pass (lexicons and weights are read on first use).
    let mut found = 0usize;
    for c in comments.iter().take(1000) {
        found += reader.read(c, &staff).themes.len();
    }
    let mut best = f64::INFINITY;
    for _ in 0..o.rounds.max(1) {
        let start = Instant::now();
        for c in &comments {
            let a = reader.read(c, &staff);
            found += a.themes.len() + a.mentions.len();
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    let ours = comments.len() as f64 / best;
    println!(
        "{} comments ({:.0} characters on average), best of {} rounds, one thread",
        comments.len(),
        chars as f64 / comments.len() as f64,
        o.rounds.max(1)
    );
    println!("| analyser | comments per second | µs per comment |");
    println!("| --- | --- | --- |");
    println!(
        "| cumbre-text: language, sentiment (rules and model), themes, mentions | {ours:.0} | {:.2} |",
        1e6 / ours
    );
    std::hint::black_box(found);
    // The peer, on the same comments, in the same run.
    let dir = tempfile::tempdir().context("a temporary directory")?;
    let file = dir.path().join("comments.txt");
    std::fs::write(&file, comments.join("\n")).context("writing the comments")?;
    let script = format!(
        "import sys, time\n\
         from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer\n\
         lines = open(sys.argv[1], encoding='utf-8').read().split('\\n')\n\
         a = SentimentIntensityAnalyzer()\n\
         for t in lines[:1000]: a.polarity_scores(t)\n\
         best = float('inf')\n\
         for _ in range({}):\n\
         \x20   s = time.perf_counter()\n\
         \x20   for t in lines: a.polarity_scores(t)\n\
         \x20   best = min(best, time.perf_counter() - s)\n\
         print(len(lines) / best)\n",
        o.rounds.max(1)
    );
    let out = std::process::Command::new(&o.python)
        .arg("-c")
        .arg(&script)
        .arg(&file)
        .output();
    match out {
        Ok(out) if out.status.success() => {
            let peer: f64 = String::from_utf8_lossy(&out.stdout)
                .trim()
                .parse()
                .context("the peer's figure")?;
            println!(
                "| VADER 3.3 (vaderSentiment, Python): sentiment only | {peer:.0} | {:.2} |",
                1e6 / peer
            );
            println!(
                "\nratio (cumbre-text / VADER, comments per second): {:.1}×",
                ours / peer
            );
        }
        _ => println!(
            "\nthe peer was not run: `{} -m pip install vaderSentiment` to compare",
            o.python
        ),
    }
    Ok(())
}

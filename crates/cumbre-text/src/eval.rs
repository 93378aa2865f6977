//! How well labels were predicted: accuracy, macro-F1 (the mean of the three classes'
//! F1, so that the hard neutral class counts as much as the others) and the confusion
//! matrix, per language.

use crate::Label;
use std::collections::BTreeMap;

/// counts[truth][predicted], in `Label::ALL` order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confusion {
    pub counts: [[u64; 3]; 3],
}

impl Confusion {
    pub fn add(&mut self, truth: Label, predicted: Label) {
        self.counts[truth.index()][predicted.index()] += 1;
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    pub fn accuracy(&self) -> f64 {
        let right: u64 = (0..3).map(|i| self.counts[i][i]).sum();
        right as f64 / self.total().max(1) as f64
    }

    /// F1 of one class; 0 when it was never predicted nor present.
    pub fn f1(&self, class: Label) -> f64 {
        let c = class.index();
        let tp = self.counts[c][c] as f64;
        let predicted: f64 = (0..3).map(|t| self.counts[t][c] as f64).sum();
        let actual: f64 = self.counts[c].iter().sum::<u64>() as f64;
        if tp == 0.0 {
            return 0.0;
        }
        let (p, r) = (tp / predicted, tp / actual);
        2.0 * p * r / (p + r)
    }

    pub fn macro_f1(&self) -> f64 {
        Label::ALL.iter().map(|l| self.f1(*l)).sum::<f64>() / 3.0
    }
}

/// Confusions per language code, and over everything (`"all"`).
pub fn by_language(
    rows: impl IntoIterator<Item = (String, Label, Label)>,
) -> BTreeMap<String, Confusion> {
    let mut out: BTreeMap<String, Confusion> = BTreeMap::new();
    for (language, truth, predicted) in rows {
        out.entry(language).or_default().add(truth, predicted);
        out.entry("all".into()).or_default().add(truth, predicted);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::*;

    #[test]
    fn macro_f1_by_hand() {
        let mut c = Confusion::default();
        // Positive: 8 right, 2 called neutral; neutral: 5 right, 3 positive, 2 negative;
        // negative: 9 right, 1 neutral.
        for (t, p, n) in [
            (Positive, Positive, 8),
            (Positive, Neutral, 2),
            (Neutral, Neutral, 5),
            (Neutral, Positive, 3),
            (Neutral, Negative, 2),
            (Negative, Negative, 9),
            (Negative, Neutral, 1),
        ] {
            for _ in 0..n {
                c.add(t, p);
            }
        }
        assert!((c.accuracy() - 22.0 / 30.0).abs() < 1e-12);
        // P(pos) 8/11, R 8/10 → 16/21; P(neu) 5/8, R 5/10 → 5/9; P(neg) 9/11, R 9/10 → 6/7.
        let expected = (16.0 / 21.0 + 5.0 / 9.0 + 6.0 / 7.0) / 3.0;
        assert!((c.macro_f1() - expected).abs() < 1e-12, "{}", c.macro_f1());
        assert_eq!(Confusion::default().macro_f1(), 0.0);
    }
}

//! The counts a set of responses adds up to. Everything is a sum, so tallies of days add up
//! to a month's, of units to their parent's: that is what makes roll-ups exact.

use crate::listen::{Answer, Answers, QuestionKind, SurveyDefinition};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Responses, whatever they answered.
    pub responses: i64,
    /// NPS: answers 9–10, 7–8 and 0–6 to the survey's first NPS question.
    pub promoters: i64,
    pub passives: i64,
    pub detractors: i64,
    /// CSAT (1–5) histogram of the first CSAT question: `csat[0]` counts the 1s.
    pub csat: [i64; 5],
    /// CES (1–7) of the first CES question: count, sum and sum of squares.
    pub ces_n: i64,
    pub ces_sum: i64,
    pub ces_sumsq: i64,
}

fn first_score(def: &SurveyDefinition, answers: &Answers, kind: QuestionKind) -> Option<i64> {
    def.questions
        .iter()
        .filter(|q| q.kind == kind)
        .find_map(|q| match answers.0.get(&q.key) {
            Some(Answer::Score(n)) => Some(*n),
            _ => None,
        })
}

/// A response's headline scores: the first NPS, CSAT and CES question of its survey.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Headline {
    pub nps: Option<i64>,
    pub csat: Option<i64>,
    pub ces: Option<i64>,
}

impl Headline {
    /// The headline scores of `answers` to `def`; the first question of each kind counts,
    /// as for the NPS filters and the alert rules.
    pub fn of(def: &SurveyDefinition, answers: &Answers) -> Self {
        Headline {
            nps: first_score(def, answers, QuestionKind::Nps),
            csat: first_score(def, answers, QuestionKind::Csat),
            ces: first_score(def, answers, QuestionKind::Ces),
        }
    }
}

impl Tally {
    /// One response's contribution.
    pub fn of_response(h: Headline) -> Self {
        let mut t = Tally {
            responses: 1,
            ..Tally::default()
        };
        match h.nps {
            Some(9..=10) => t.promoters = 1,
            Some(7..=8) => t.passives = 1,
            Some(0..=6) => t.detractors = 1,
            _ => {}
        }
        if let Some(c @ 1..=5) = h.csat {
            t.csat[(c - 1) as usize] = 1;
        }
        if let Some(c @ 1..=7) = h.ces {
            t.ces_n = 1;
            t.ces_sum = c;
            t.ces_sumsq = c * c;
        }
        t
    }

    /// What is left of a subtree's tally once its parts are taken out: the responses
    /// recorded at a unit itself, not at any unit under it. Never below zero (a part
    /// read a moment later may hold a response the whole did not).
    pub fn without(&self, o: &Tally) -> Tally {
        let less = |a: i64, b: i64| (a - b).max(0);
        let mut csat = self.csat;
        for (a, b) in csat.iter_mut().zip(o.csat) {
            *a = less(*a, b);
        }
        Tally {
            responses: less(self.responses, o.responses),
            promoters: less(self.promoters, o.promoters),
            passives: less(self.passives, o.passives),
            detractors: less(self.detractors, o.detractors),
            csat,
            ces_n: less(self.ces_n, o.ces_n),
            ces_sum: less(self.ces_sum, o.ces_sum),
            ces_sumsq: less(self.ces_sumsq, o.ces_sumsq),
        }
    }

    pub fn add(&mut self, o: &Tally) {
        self.responses += o.responses;
        self.promoters += o.promoters;
        self.passives += o.passives;
        self.detractors += o.detractors;
        for (a, b) in self.csat.iter_mut().zip(o.csat) {
            *a += b;
        }
        self.ces_n += o.ces_n;
        self.ces_sum += o.ces_sum;
        self.ces_sumsq += o.ces_sumsq;
    }

    /// The opposite of `add`: what remains once `o`'s responses are taken out.
    pub fn subtract(&mut self, o: &Tally) {
        self.add(&o.negated());
    }

    pub fn negated(&self) -> Tally {
        Tally {
            responses: -self.responses,
            promoters: -self.promoters,
            passives: -self.passives,
            detractors: -self.detractors,
            csat: self.csat.map(|c| -c),
            ces_n: -self.ces_n,
            ces_sum: -self.ces_sum,
            ces_sumsq: -self.ces_sumsq,
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Tally::default()
    }

    pub fn nps_n(&self) -> i64 {
        self.promoters + self.passives + self.detractors
    }

    pub fn csat_n(&self) -> i64 {
        self.csat.iter().sum()
    }

    /// Satisfied: 4 or 5.
    pub fn csat_hits(&self) -> i64 {
        self.csat[3] + self.csat[4]
    }
}

impl std::iter::Sum for Tally {
    fn sum<I: Iterator<Item = Tally>>(iter: I) -> Tally {
        let mut t = Tally::default();
        for x in iter {
            t.add(&x);
        }
        t
    }
}

//! An attacker who knows every figure shown (how many answers each counts, and so any sum
//! over them) and combines them in every way linear algebra allows: the tests of the
//! anonymity rule and of every report built on it ask it to isolate a group of fewer
//! answers than the threshold — one person's answer above all.

use std::collections::HashMap;

const P: u64 = (1 << 61) - 1;

fn mul(a: u64, b: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(P)) as u64
}

fn add(a: u64, b: u64) -> u64 {
    (a + b) % P
}

fn neg(a: u64) -> u64 {
    (P - a) % P
}

fn inv(a: u64) -> u64 {
    let (mut base, mut exp, mut out) = (a, P - 2, 1u64);
    while exp > 0 {
        if exp & 1 == 1 {
            out = mul(out, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    out
}

/// For each answer, its column in a basis of the null space of the shown figures' rows
/// (modulo a large prime): a set of answers can be worked out from the figures exactly when
/// its columns sum to zero.
fn null_columns(rows: &[Vec<u32>], n: usize) -> Vec<Vec<u64>> {
    let mut m: Vec<Vec<u64>> = rows
        .iter()
        .map(|members| {
            let mut r = vec![0u64; n];
            for i in members {
                r[*i as usize] = 1;
            }
            r
        })
        .collect();
    let mut pivots: Vec<usize> = Vec::new();
    let mut row = 0;
    for col in 0..n {
        let Some(p) = (row..m.len()).find(|r| m[*r][col] != 0) else {
            continue;
        };
        m.swap(row, p);
        let f = inv(m[row][col]);
        for v in &mut m[row] {
            *v = mul(*v, f);
        }
        for r in 0..m.len() {
            if r != row && m[r][col] != 0 {
                let f = m[r][col];
                let pivot_row = m[row].clone();
                for (v, p) in m[r].iter_mut().zip(pivot_row) {
                    *v = add(*v, neg(mul(f, p)));
                }
            }
        }
        pivots.push(col);
        row += 1;
    }
    let free: Vec<usize> = (0..n).filter(|c| !pivots.contains(c)).collect();
    let mut columns = vec![vec![0u64; free.len()]; n];
    for (j, f) in free.iter().enumerate() {
        columns[*f][j] = 1;
        for (r, p) in pivots.iter().enumerate() {
            columns[*p][j] = neg(m[r][*f]);
        }
    }
    columns
}

fn sum(a: &[u64], b: &[u64]) -> Vec<u64> {
    a.iter().zip(b).map(|(x, y)| add(*x, *y)).collect()
}

fn negated(a: &[u64]) -> Vec<u64> {
    a.iter().map(|x| neg(*x)).collect()
}

/// A group of one to four answers (fewer than `limit`) that the figures isolate, if any.
pub fn isolable(rows: &[Vec<u32>], n: usize, limit: u32) -> Option<Vec<u32>> {
    assert!(limit <= 5, "the search reaches groups of four");
    let cols = null_columns(rows, n);
    let zero = vec![0u64; cols.first().map_or(0, Vec::len)];
    let mut single: HashMap<&[u64], Vec<u32>> = HashMap::new();
    for (i, c) in cols.iter().enumerate() {
        if *c == zero {
            return Some(vec![i as u32]);
        }
        single.entry(c.as_slice()).or_default().push(i as u32);
    }
    if limit <= 2 {
        return None;
    }
    let mut pairs: HashMap<Vec<u64>, Vec<(u32, u32)>> = HashMap::new();
    for i in 0..n {
        for j in i + 1..n {
            let s = sum(&cols[i], &cols[j]);
            if s == zero {
                return Some(vec![i as u32, j as u32]);
            }
            if limit > 3 {
                let want = negated(&s);
                if let Some(k) = single
                    .get(want.as_slice())
                    .and_then(|ks| ks.iter().find(|k| **k != i as u32 && **k != j as u32))
                {
                    return Some(vec![i as u32, j as u32, *k]);
                }
            }
            pairs.entry(s).or_default().push((i as u32, j as u32));
        }
    }
    if limit > 4 {
        for (s, ps) in &pairs {
            if let Some(qs) = pairs.get(&negated(s)) {
                for (a, b) in ps {
                    if let Some((c, d)) = qs
                        .iter()
                        .find(|(c, d)| ![*a, *b].contains(c) && ![*a, *b].contains(d))
                    {
                        return Some(vec![*a, *b, *c, *d]);
                    }
                }
            }
        }
    }
    None
}

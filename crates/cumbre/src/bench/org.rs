//! `cumbre bench org`: builds a large synthetic organisation and times the operations every
//! page and permission depends on (scoped subtree reads, people search, moves, import).
//! Results and the machine they ran on are recorded in docs/BENCHMARKS.md.

use anyhow::Context;
use cumbre_domain::access::{AdminGrant, Scope};
use cumbre_domain::clock::{Clock, SystemClock};
use cumbre_domain::org::import::{HEADER, plan};
use cumbre_domain::{PersonId, UnitId};
use cumbre_store::Store;
use cumbre_store::org::PeopleFilter;
use std::time::{Duration, Instant};

/// Shape of the synthetic organisation.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub regions: usize,
    pub locations_per_region: usize,
    pub teams_per_location: usize,
    pub people_per_team: usize,
}

impl Shape {
    pub fn units(&self) -> usize {
        1 + self.regions * (1 + self.locations_per_region * (1 + self.teams_per_location))
    }
    pub fn people(&self) -> usize {
        self.regions * self.locations_per_region * self.teams_per_location * self.people_per_team
    }
}

fn csv(shape: Shape) -> String {
    let mut out = HEADER.join(",");
    out.push('\n');
    out.push_str("unit,HQ,Holding,,company,,,,,\n");
    let mut n = 0;
    for r in 0..shape.regions {
        out.push_str(&format!("unit,R{r},Región {r},HQ,region,,,,,\n"));
        for l in 0..shape.locations_per_region {
            out.push_str(&format!("unit,R{r}L{l},Sede {r}-{l},R{r},location,,,,,\n"));
            for t in 0..shape.teams_per_location {
                let team = format!("R{r}L{l}T{t}");
                out.push_str(&format!(
                    "unit,{team},Equipo {r}-{l}-{t},R{r}L{l},team,,,,,\n"
                ));
                let lead = format!("P{n}");
                for p in 0..shape.people_per_team {
                    let manager = if p == 0 { String::new() } else { lead.clone() };
                    out.push_str(&format!(
                        "person,P{n},Colaborador Núñez {n},{team},,Departamento {t},Puesto {p},p{n}@bench.example,2020-01-01,{manager}\n"
                    ));
                    n += 1;
                }
            }
        }
    }
    out
}

/// Median and 95th percentile of `runs` executions of `f`.
async fn time<F, Fut, T>(runs: usize, mut f: F) -> anyhow::Result<(Duration, Duration)>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut samples = Vec::with_capacity(runs);
    for i in 0..runs {
        let start = Instant::now();
        f(i).await?;
        samples.push(start.elapsed());
    }
    samples.sort();
    let p95 = samples[(runs * 95 / 100).min(runs - 1)];
    Ok((samples[runs / 2], p95))
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Builds the organisation in `store` (migrated, empty) and prints a Markdown table.
pub async fn run(store: &Store, shape: Shape, runs: usize) -> anyhow::Result<()> {
    let clock = SystemClock;
    let now = clock.now();
    let tenant = store.create_tenant("Bench", now).await?;
    let grant = AdminGrant::operator(tenant);
    println!(
        "backend: {:?}; {} units, {} people; {runs} runs per read",
        store.backend(),
        shape.units(),
        shape.people()
    );
    println!();
    println!("| operation | median | p95 |");
    println!("| --- | --- | --- |");

    let text = csv(shape);
    let start = Instant::now();
    let checked = plan(&text, &store.existing_org(tenant).await?, now.date())
        .map_err(|e| anyhow::anyhow!("bench file invalid at line {}: {}", e[0].line, e[0].error))?;
    let planned = start.elapsed();
    let start = Instant::now();
    store
        .apply_import(&grant, &checked, "bench", now, |_| {})
        .await?;
    let applied = start.elapsed();
    println!(
        "| import: check {} lines (once) | {} | |",
        shape.units() + shape.people(),
        ms(planned)
    );
    println!(
        "| import: write them in one transaction (once) | {} | |",
        ms(applied)
    );

    let all = Scope::Tenant(tenant);
    let units = store.list_units(&all).await?;
    let find = |code: &str| {
        units
            .iter()
            .find(|u| u.code.as_deref() == Some(code))
            .cloned()
            .context("unit")
    };
    let region = find("R0")?;
    let location = find("R0L0")?;
    let team = find("R0L0T0")?;
    let subtree = |u: &cumbre_store::org::Unit| Scope::Subtree {
        tenant,
        root: u.id,
        path: u.path.clone(),
    };
    let (region_scope, location_scope) = (subtree(&region), subtree(&location));

    let (m, p) = time(runs, |_| async { Ok(store.list_units(&all).await?.len()) }).await?;
    println!(
        "| list all units, executive ({}) | {} | {} |",
        units.len(),
        ms(m),
        ms(p)
    );
    let n = store.list_units(&region_scope).await?.len();
    let (m, p) = time(runs, |_| async {
        Ok(store.list_units(&region_scope).await?.len())
    })
    .await?;
    println!(
        "| list a region's subtree, regional manager ({n}) | {} | {} |",
        ms(m),
        ms(p)
    );
    let (m, p) = time(runs, |_| async {
        Ok(store.get_unit(&location_scope, team.id).await?)
    })
    .await?;
    println!(
        "| read one unit through a manager's scope | {} | {} |",
        ms(m),
        ms(p)
    );
    let page = PeopleFilter {
        limit: 50,
        ..Default::default()
    };
    let (m, p) = time(runs, |_| async {
        Ok(store.list_people(&region_scope, &page).await?.total)
    })
    .await?;
    println!(
        "| first page of people (50 + total), regional manager | {} | {} |",
        ms(m),
        ms(p)
    );
    let search = PeopleFilter {
        query: Some("nunez 12".into()),
        limit: 50,
        ..Default::default()
    };
    let (m, p) = time(runs, |_| async {
        Ok(store.list_people(&all, &search).await?.total)
    })
    .await?;
    println!(
        "| search people by name, whole company | {} | {} |",
        ms(m),
        ms(p)
    );
    let (m, p) = time(runs, |i| {
        let scope = location_scope.clone();
        async move {
            Ok(store
                .get_person(&scope, PersonId((i % 10) as i64 + 1))
                .await
                .ok())
        }
    })
    .await?;
    println!(
        "| read one person through a manager's scope | {} | {} |",
        ms(m),
        ms(p)
    );
    let manager = placeholder_user(tenant, location.id);
    let (m, p) = time(runs, |_| async { Ok(store.scope_for(&manager).await?) }).await?;
    println!(
        "| resolve a manager's scope (once per request) | {} | {} |",
        ms(m),
        ms(p)
    );

    // Moving a location (with its teams) back and forth between two regions.
    let other = find("R1")?;
    let moved = store.list_units(&location_scope).await?.len();
    // An even number of moves leaves the location where it started.
    let moves = (runs.min(50) / 2 * 2).max(2);
    let (m, p) = time(moves, |i| {
        let target = if i % 2 == 0 { other.id } else { region.id };
        async move {
            Ok(store
                .move_unit(&grant, location.id, target, "bench", now)
                .await?)
        }
    })
    .await?;
    println!(
        "| move a location with its {moved} units to another region | {} | {} |",
        ms(m),
        ms(p)
    );
    let moved = store.list_units(&region_scope).await?.len();
    let (m, p) = time(4, |i| {
        let target = if i % 2 == 0 {
            other.id
        } else {
            find_id(&units, "HQ")
        };
        async move {
            Ok(store
                .move_unit(&grant, region.id, target, "bench", now)
                .await?)
        }
    })
    .await?;
    println!(
        "| move a region with its {moved} units | {} | {} |",
        ms(m),
        ms(p)
    );
    Ok(())
}

fn find_id(units: &[cumbre_store::org::Unit], code: &str) -> UnitId {
    units
        .iter()
        .find(|u| u.code.as_deref() == Some(code))
        .map_or(UnitId(0), |u| u.id)
}

/// A manager account that exists only in memory: `scope_for` needs no stored user.
fn placeholder_user(tenant: cumbre_domain::TenantId, unit: UnitId) -> cumbre_store::access::User {
    cumbre_store::access::User {
        id: cumbre_domain::UserId(0),
        tenant,
        email: "bench@bench.example".into(),
        role: cumbre_domain::access::Role::Manager,
        person_id: None,
        person_name: None,
        scope_unit_id: Some(unit),
        scope_unit_name: None,
        locale: None,
        active: true,
    }
}

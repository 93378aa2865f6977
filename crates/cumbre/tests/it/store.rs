//! The storage conformance story, on both backends, through the library API.

use crate::harness::{Backend, both, fresh_db};
use cumbre_domain::access::{AdminGrant, Scope};
use cumbre_domain::org::import::plan;
use cumbre_domain::org::{UnitKind, UnitName};
use cumbre_store::Store;
use cumbre_store::org::{PeopleFilter, UnitInput};
use time::macros::datetime;

both!(
    subtree_moves_rewrite_every_descendant,
    a_failing_import_leaves_no_trace,
    migrations_are_idempotent
);

async fn store(backend: Backend) -> (Store, crate::harness::TestDb) {
    let db = fresh_db(backend).await;
    let store = Store::connect(&db.url).await.expect("connect");
    store.migrate().await.expect("migrate");
    (store, db)
}

fn unit(name: &str, kind: UnitKind) -> UnitInput {
    UnitInput {
        name: UnitName::parse(name).expect("name"),
        kind,
        code: None,
    }
}

async fn subtree_moves_rewrite_every_descendant(backend: Backend) {
    let (store, _db) = store(backend).await;
    let now = datetime!(2026-11-25 12:00 UTC);
    let t = store.create_tenant("T", now).await.expect("tenant");
    let g = AdminGrant::operator(t);
    let root = store
        .create_unit(&g, &unit("Root", UnitKind::Company), None, "t", now)
        .await
        .expect("root");
    let a = store
        .create_unit(&g, &unit("A", UnitKind::Region), Some(root), "t", now)
        .await
        .expect("a");
    let b = store
        .create_unit(&g, &unit("B", UnitKind::Region), Some(root), "t", now)
        .await
        .expect("b");
    let mut chain = vec![a];
    for depth in 0..6 {
        let parent = *chain.last().expect("parent");
        chain.push(
            store
                .create_unit(
                    &g,
                    &unit(&format!("L{depth}"), UnitKind::Area),
                    Some(parent),
                    "t",
                    now,
                )
                .await
                .expect("child"),
        );
    }
    let deepest = *chain.last().expect("deepest");
    store
        .move_unit(&g, chain[1], b, "t", now)
        .await
        .expect("move");
    let under_b = Scope::Subtree {
        tenant: t,
        root: b,
        path: store.get_unit(&Scope::Tenant(t), b).await.expect("b").path,
    };
    let seen = store.list_units(&under_b).await.expect("units");
    assert_eq!(seen.len(), 7, "B, L0 and its five descendants");
    let deep = store
        .get_unit(&under_b, deepest)
        .await
        .expect("deepest moved under B");
    assert_eq!(deep.depth, 7);
    let under_a = Scope::Subtree {
        tenant: t,
        root: a,
        path: store.get_unit(&Scope::Tenant(t), a).await.expect("a").path,
    };
    assert_eq!(
        store.list_units(&under_a).await.expect("units").len(),
        1,
        "A is left alone"
    );
    // Tree order: depth first, siblings by name.
    let all: Vec<String> = store
        .list_units(&Scope::Tenant(t))
        .await
        .expect("all")
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(all, ["Root", "A", "B", "L0", "L1", "L2", "L3", "L4", "L5"]);
    // Audit trail records every change.
    let events = store.audit_events(&g, 100).await.expect("audit");
    assert!(events.iter().any(|e| e.action == "unit.move"));
}

async fn a_failing_import_leaves_no_trace(backend: Backend) {
    let (store, _db) = store(backend).await;
    let now = datetime!(2026-11-25 12:00 UTC);
    let t = store.create_tenant("T", now).await.expect("tenant");
    let g = AdminGrant::operator(t);
    let csv = "record,key,name,parent,kind,department,job_title,email,hire_date,manager\n\
               unit,HQ,HQ,,company,,,,,\n\
               person,P1,Ana,HQ,,Ventas,,ana@x.example,,\n";
    let first = plan(
        csv,
        &store.existing_org(t).await.expect("existing"),
        now.date(),
    )
    .expect("valid");
    store
        .apply_import(&g, &first, "t", now, |_| {})
        .await
        .expect("import");
    // A plan checked against a stale picture of the tenant: its e-mail collides in the
    // database half-way through. Everything before the collision must roll back.
    let stale = "record,key,name,parent,kind,department,job_title,email,hire_date,manager\n\
                 unit,NEW,New site,HQ,location,,,,,\n\
                 person,P2,Bea,NEW,,Nuevo departamento,,ana@x.example,,\n";
    let mut existing = store.existing_org(t).await.expect("existing");
    existing.emails.clear();
    let second = plan(stale, &existing, now.date()).expect("valid against the stale picture");
    assert!(
        store
            .apply_import(&g, &second, "t", now, |_| {})
            .await
            .is_err(),
        "the collision is reported"
    );
    let units = store.list_units(&Scope::Tenant(t)).await.expect("units");
    assert_eq!(units.len(), 1, "the new site was rolled back");
    let people = store
        .list_people(
            &Scope::Tenant(t),
            &PeopleFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .expect("people");
    assert_eq!(people.total, 1);
    let departments = store.list_departments(t).await.expect("departments");
    assert_eq!(
        departments.len(),
        1,
        "the new department was rolled back too"
    );
}

async fn migrations_are_idempotent(backend: Backend) {
    let (store, db) = store(backend).await;
    store.migrate().await.expect("second run is a no-op");
    let again = Store::connect(&db.url).await.expect("reconnect");
    again.migrate().await.expect("third run");
    assert!(again.ping().await);
}

//! `cumbre rebuild-rollups`: the dashboards' roll-ups recomputed from the raw responses.

use super::{Db, config, open};
use std::path::PathBuf;

pub async fn rebuild(config_file: &Option<PathBuf>, db: &Db) -> anyhow::Result<()> {
    let config = config(config_file, db, None)?;
    let store = open(&config).await?;
    let started = std::time::Instant::now();
    for (tenant, counted) in store.rebuild_all_rollups().await? {
        println!("tenant {}: {counted} responses rolled up", tenant.0);
    }
    println!("rebuilt in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

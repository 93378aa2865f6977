// `sqlx::migrate!` embeds the migration files at compile time but cargo does not know they
// are inputs: without this, a new migration file leaves an incremental build with the old set.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

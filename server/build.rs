//! Rebuilds the server when a migration is added: `sqlx::migrate!` embeds the files of
//! `migrations/` at compile time but only watches the ones that already existed.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

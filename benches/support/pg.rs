//! A PostgreSQL database of the benchmark's own, made through an admin URL and dropped when
//! it goes out of scope (unless `CONTENTHUB_BENCH_KEEP=1`).
#![allow(dead_code)]

use postgres::{Client, NoTls};

/// The server's admin URL: `CONTENTHUB_BENCH_PG_URL`, else the local trust-auth server.
pub fn admin_url() -> String {
    std::env::var("CONTENTHUB_BENCH_PG_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `url` with its database name replaced by `db` (its query string kept).
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority..].find('/') {
        Some(i) => &base[..authority + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

pub fn keep() -> bool {
    std::env::var("CONTENTHUB_BENCH_KEEP").is_ok_and(|v| !v.is_empty() && v != "0")
}

pub struct BenchDb {
    admin: String,
    pub name: String,
    pub url: String,
}

impl BenchDb {
    /// A new, empty database `contenthub_bench_<pid>_<tag>`.
    pub fn create(tag: &str) -> BenchDb {
        let admin = admin_url();
        let name = format!("contenthub_bench_{}_{tag}", std::process::id());
        let mut c = Client::connect(&admin, NoTls)
            .unwrap_or_else(|e| panic!("connect to {admin} (CONTENTHUB_BENCH_PG_URL): {e}"));
        // DROP/CREATE DATABASE cannot run in a transaction block: one statement per call.
        c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .expect("drop a leftover bench database");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the bench database");
        let url = with_database(&admin, &name);
        BenchDb { admin, name, url }
    }

    pub fn client(&self) -> Client {
        Client::connect(&self.url, NoTls).expect("connect to the bench database")
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if keep() {
            println!("kept database {} ({})", self.name, self.url);
            return;
        }
        if let Ok(mut c) = Client::connect(&self.admin, NoTls) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// Rows per second that one client commits inserting single rows in autocommit into a
/// scratch table, over `secs` seconds, with the server's settings as they are.
pub fn commit_rate(client: &mut Client, secs: f64) -> f64 {
    client
        .batch_execute(
            "DROP TABLE IF EXISTS bench_commit_rate;
             CREATE TABLE bench_commit_rate (
                 id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                 n  BIGINT NOT NULL,
                 at BIGINT NOT NULL
             )",
        )
        .expect("create the scratch table");
    let stmt = client
        .prepare("INSERT INTO bench_commit_rate (n, at) VALUES ($1, $2)")
        .expect("prepare the insert");
    let start = std::time::Instant::now();
    let mut n: i64 = 0;
    while start.elapsed().as_secs_f64() < secs {
        let at = start.elapsed().as_micros() as i64;
        client.execute(&stmt, &[&n, &at]).expect("insert a row");
        n += 1;
    }
    let rate = n as f64 / start.elapsed().as_secs_f64();
    client
        .batch_execute("DROP TABLE bench_commit_rate")
        .expect("drop the scratch table");
    rate
}

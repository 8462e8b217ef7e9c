//! The users screen at 100,000 users, and CSV import against a sequential loop.
//!
//! `cargo bench -p trillian-core --bench users` (`USERS_BENCH_N`, default 100,000 users;
//! `IMPORT_BENCH_N`, default 10,000 rows; `CURL_BENCH_N`, default 300 curl processes).
//!
//! 1. A sandbox on 127.0.0.1:0 with N users: `users_load` (HTTP + XML decode + the in-memory
//!    table), the first page as the web view receives it (JSON size and time), a sort by display
//!    name (first time: the order is computed), a search and a filter, and the same page again.
//! 2. A fresh sandbox: the CSV import job (16 at a time) of M rows, beside the same M creates
//!    sent one at a time through the same client, and beside a `curl` process per create (the
//!    plain loop an administrator would script; run on fewer rows and given per request).

use std::time::{Duration, Instant};

use trillian_core::job::Cancel;
use trillian_core::user::{ImportOptions, UserColumn, UserQuery};
use trillian_core::{Core, Keychain, Paths, ProfileDraft, Token};
use trillian_sandbox::{Config, Sandbox};

const DOMAIN: &str = "bench.test";

fn env_n(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn core_for(sandbox: &Sandbox, dir: &std::path::Path) -> Core {
    let core = Core::new(
        Paths {
            config_dir: dir.join("config"),
            data_dir: dir.join("data"),
        },
        Keychain::session_only(),
    )
    .expect("core");
    let profile = core
        .save_profile(ProfileDraft {
            id: None,
            name: "bench".into(),
            base_url: sandbox.url().to_owned(),
            domain: DOMAIN.into(),
            ca_cert_pem: None,
            post_for_updates: false,
            own_address: None,
        })
        .expect("profile");
    core.set_token(&profile.id, Token::new(sandbox.admin_token(DOMAIN)))
        .await
        .expect("token");
    core.set_active(&profile.id).expect("active");
    core
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn csv(prefix: &str, n: usize) -> String {
    let mut text = String::from("im,display name,email,password\n");
    for i in 0..n {
        text.push_str(&format!(
            "{prefix}{i},Imported {i},{prefix}{i}@mail.test,tide-pool-{i}x\n"
        ));
    }
    text
}

async fn list_screen(n: usize) {
    let sandbox = Sandbox::start(Config::new(DOMAIN)).await.expect("sandbox");
    let started = Instant::now();
    sandbox
        .state()
        .seed_users(DOMAIN, "bulk", n)
        .expect("seed users");
    eprintln!("seeded {n} users in {}", ms(started.elapsed()));
    let dir = tempfile::tempdir().expect("tempdir");
    let core = core_for(&sandbox, dir.path()).await;

    let started = Instant::now();
    let facets = core.users_load(true).await.expect("load");
    let load = started.elapsed();
    assert_eq!(facets.all, n);

    let query = UserQuery {
        limit: 100,
        ..UserQuery::default()
    };
    let started = Instant::now();
    let page = core.users_page(query.clone()).await.expect("page");
    let json = serde_json::to_vec(&page).expect("json");
    let first_page = started.elapsed();

    let by_name = UserQuery {
        sort: UserColumn::DisplayName,
        descending: true,
        ..query.clone()
    };
    let started = Instant::now();
    core.users_page(by_name.clone()).await.expect("sort");
    let sort_first = started.elapsed();
    let started = Instant::now();
    core.users_page(UserQuery {
        offset: n / 2,
        ..by_name.clone()
    })
    .await
    .expect("scroll");
    let scroll = started.elapsed();
    let started = Instant::now();
    let found = core
        .users_page(UserQuery {
            search: "user 4242".into(),
            ..by_name.clone()
        })
        .await
        .expect("search");
    let search = started.elapsed();
    let started = Instant::now();
    core.users_page(UserQuery {
        disabled: Some(false),
        group: facets.groups.first().map(|g| g.id),
        ..query.clone()
    })
    .await
    .expect("filter");
    let filter = started.elapsed();
    let whole = serde_json::to_vec(
        &core
            .users_page(UserQuery {
                limit: usize::MAX,
                ..query
            })
            .await
            .expect("all"),
    )
    .map(|v| v.len())
    .unwrap_or(0);

    println!("users screen, {n} users (sandbox on loopback, in-memory SQLite):");
    println!(
        "  load (GET users over HTTP, XML decode, table)   {}",
        ms(load)
    );
    println!(
        "  first page of 100 rows + JSON for the web view  {} ({} bytes; a 1,000-row page is the cap, {} bytes)",
        ms(first_page),
        json.len(),
        whole
    );
    println!(
        "  sort by display name (first time)              {}",
        ms(sort_first)
    );
    println!(
        "  scroll to the middle (same order)              {}",
        ms(scroll)
    );
    println!(
        "  search \"user 4242\" ({} matches)            {}",
        found.total,
        ms(search)
    );
    println!(
        "  filter group + enabled                         {}",
        ms(filter)
    );
    sandbox.shutdown().await;
}

async fn import(m: usize, curl_n: usize) {
    // The import job.
    let sandbox = Sandbox::start(Config::new(DOMAIN)).await.expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let core = core_for(&sandbox, dir.path()).await;
    let text = csv("imp", m);
    let options = ImportOptions {
        mapping: trillian_core::user::ImportMapping {
            im: Some(0),
            display_name: Some(1),
            email: Some(2),
            password: Some(3),
            ..Default::default()
        },
        ..ImportOptions::default()
    };
    let started = Instant::now();
    let report = core
        .users_import(text.as_bytes(), options, Cancel::new(), |_| {})
        .await
        .expect("import");
    let job = started.elapsed();
    assert_eq!(report.succeeded(), m, "every row created");
    sandbox.shutdown().await;

    // The same creates, one at a time, through the same client.
    let sandbox = Sandbox::start(Config::new(DOMAIN)).await.expect("sandbox");
    let dir = tempfile::tempdir().expect("tempdir");
    let core = core_for(&sandbox, dir.path()).await;
    let client = core.active_client().await.expect("client");
    let started = Instant::now();
    for i in 0..m {
        let user = trillian_api::model::NewUser {
            im: format!("seq{i}"),
            password: format!("tide-pool-{i}x"),
            email: Some(format!("seq{i}@mail.test")),
            displayname: Some(format!("Imported {i}")),
            ..Default::default()
        };
        client.users().create(&user).await.expect("create");
    }
    let sequential = started.elapsed();

    // A curl process per create (the loop an administrator would script).
    let token = sandbox.admin_token(DOMAIN);
    let url = format!("{}/v2/{DOMAIN}/users/", sandbox.url());
    let started = Instant::now();
    let mut curl_ok = 0;
    for i in 0..curl_n {
        let status = tokio::process::Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-G",
                "--data-urlencode",
            ])
            .arg(format!("token={token}"))
            .args(["-X", "POST", "--data-urlencode"])
            .arg(format!("im=curl{i}"))
            .args(["--data-urlencode"])
            .arg(format!("password=tide-pool-{i}x"))
            .arg(&url)
            .output()
            .await;
        if status.is_ok_and(|o| o.stdout.starts_with(b"201")) {
            curl_ok += 1;
        }
    }
    let curl = started.elapsed();
    sandbox.shutdown().await;

    let per = |d: Duration, n: usize| d.as_secs_f64() * 1000.0 / n.max(1) as f64;
    println!("CSV import of {m} users (sandbox on loopback, in-memory SQLite):");
    println!(
        "  import job (checks, 16 at a time)          {} ({:.3} ms/user)",
        ms(job),
        per(job, m)
    );
    println!(
        "  sequential client calls, same requests     {} ({:.3} ms/user)  -> import is {:.1}x faster",
        ms(sequential),
        per(sequential, m),
        sequential.as_secs_f64() / job.as_secs_f64()
    );
    if curl_ok > 0 {
        let curl_total = per(curl, curl_ok) * m as f64 / 1000.0;
        println!(
            "  curl process per request ({curl_ok} of {curl_n} run) {:.3} ms/user, {m} users = {:.1} s  -> import is {:.1}x faster",
            per(curl, curl_ok),
            curl_total,
            curl_total / job.as_secs_f64()
        );
    } else {
        println!("  curl loop: curl not available or failing");
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let n = env_n("USERS_BENCH_N", 100_000);
    let m = env_n("IMPORT_BENCH_N", 10_000);
    let curl_n = env_n("CURL_BENCH_N", 300);
    runtime.block_on(async {
        list_screen(n).await;
        import(m, curl_n).await;
    });
}

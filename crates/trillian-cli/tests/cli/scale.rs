//! 100,000 users (the size the app must stay fast at), on a sandbox of their own: the list and
//! the CSV export are complete, and finish in bounded time (figures printed for the README).

use std::time::{Duration, Instant};

use crate::common::{DOMAIN, Invocation};

#[test]
fn a_hundred_thousand_users_list_and_export() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sandbox = runtime
        .block_on(trillian_sandbox::Sandbox::start(
            trillian_sandbox::Config::new(DOMAIN),
        ))
        .expect("sandbox");
    sandbox
        .state()
        .seed_users(DOMAIN, "bulk", 100_000)
        .expect("seed users");
    let inv = Invocation::one_off(sandbox.url(), &sandbox.admin_token(DOMAIN));

    let started = Instant::now();
    let list = inv.run(&["--output", "json", "users", "list"]).ok();
    let list_time = started.elapsed();
    let users: serde_json::Value = list.json();
    assert_eq!(
        users.as_array().map(Vec::len),
        Some(100_000),
        "every user listed"
    );

    let started = Instant::now();
    let export = inv.run(&["users", "export"]).ok();
    let export_time = started.elapsed();
    assert_eq!(
        export.stdout.lines().count(),
        100_001,
        "a header and a line per user"
    );

    let started = Instant::now();
    let table = inv.run(&["users", "list", "--search", "bulk99999@"]).ok();
    let search_time = started.elapsed();
    assert_eq!(
        table.stdout.lines().count(),
        2,
        "header and the one match: {}",
        table.stdout
    );

    eprintln!(
        "100,000 users: list --output json {list_time:?} ({} MB), export {export_time:?}, \
         search {search_time:?}",
        list.stdout.len() / 1_000_000
    );
    let bound = Duration::from_secs(60);
    assert!(
        list_time < bound && export_time < bound && search_time < bound,
        "in bounded time"
    );
    runtime.block_on(sandbox.shutdown());
}

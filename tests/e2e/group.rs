//! Groups and policies in the real app: peers toggled in the matrix and applied are on the
//! server; a policy switch edited and saved is on the server as the Base64 of the expected text.

use fantoccini::Locator;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trillian_api::model::PolicyItems;
use trillian_api::{Client, Expand, Token};

use crate::harness::{App, Home, Step};

fn client(url: &str, domain: &str, token: &str) -> Client {
    Client::builder(url, domain, Token::new(token))
        .build()
        .expect("client")
}

async fn click_xpath(app: &App, xpath: &str, what: &str) -> Step {
    let el = app.wait_for(Locator::XPath(xpath), what).await?;
    el.click()
        .await
        .map_err(|e| format!("clicking {what}: {e}"))
}

#[tokio::test]
#[ignore = "e2e: run with --include-ignored inside scripts/test-env.sh"]
async fn peers_toggled_in_the_matrix_are_applied_to_the_server() {
    let home = Home::new();
    let app = App::launch("group_peers", &home, &["--sandbox"]).await;
    app.check(app.dashboard_counts().await).await;
    let (url, domain, token) = app.check(crate::sandbox_of_app(&home)).await;
    let api = client(&url, &domain, &token);

    // Two peerings the server does not have (directed, between differently named groups).
    let groups = api.groups().list(Expand::PEERS).await.expect("groups");
    let mut absent = Vec::new();
    for a in &groups {
        for b in &groups {
            if a.id != b.id
                && !a.peers.contains(&b.id)
                && a.displayname != b.displayname
                && absent.len() < 2
                && !absent.iter().any(|(x, _): &(u64, u64)| *x == a.id)
            {
                absent.push((a.id, b.id));
            }
        }
    }
    assert_eq!(absent.len(), 2, "the demo leaves some groups unpeered");
    let name = |id: u64| {
        groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.displayname.clone())
            .unwrap_or_default()
    };

    app.check(app.click_link("Groups").await).await;
    app.check(
        app.wait_for(Locator::Css("table[aria-label='Group tree']"), "group tree")
            .await,
    )
    .await;
    app.check(
        click_xpath(
            &app,
            "//button[@role='tab'][normalize-space()='Peers']",
            "Peers tab",
        )
        .await,
    )
    .await;
    for (a, b) in &absent {
        let label = format!("{} sees {}", name(*a), name(*b));
        let xpath = format!("//input[@type='checkbox'][@aria-label='{label}']");
        app.check(click_xpath(&app, &xpath, &label).await).await;
    }
    let staged = app
        .wait_text("ul[aria-label='Staged peer changes']", "staged list", |t| {
            t.matches(" sees ").count() == 2
        })
        .await;
    app.check(staged).await;
    app.screenshot("group-peers-staged").await;
    app.check(app.click("Apply 2 changes").await).await;
    let result = app
        .wait_text("[aria-label='Apply result']", "apply result", |t| {
            t.contains("2 done")
        })
        .await;
    app.check(result).await;
    app.screenshot("group-peers-applied").await;

    for (a, b) in &absent {
        let peers = api.groups().peers(*a).list().await.expect("peers");
        if !peers.contains(b) {
            app.fail_now(&format!(
                "{} does not see {} on the server",
                name(*a),
                name(*b)
            ))
            .await;
        }
    }
    // The matrix shows the server's state after the apply: the cells are checked, not staged.
    for (a, b) in &absent {
        let label = format!("{} sees {}", name(*a), name(*b));
        let xpath = format!("//input[@type='checkbox'][@aria-label='{label}']");
        let cell = app
            .check(app.wait_for(Locator::XPath(&xpath), &label).await)
            .await;
        let checked = cell.prop("checked").await.ok().flatten();
        if checked.as_deref() != Some("true") {
            app.fail_now(&format!("{label} is not checked after the apply"))
                .await;
        }
    }
    app.quit().await;
}

/// The policy's raw `<data>` as the server sends it (plain HTTP/1.0 to the sandbox).
async fn raw_policy_data(url: &str, domain: &str, token: &str, id: u64) -> String {
    let hostport = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = tokio::net::TcpStream::connect(hostport)
        .await
        .expect("connect to the sandbox");
    let encoded: String = token
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let request = format!(
        "GET /v2/{domain}/policies/{id}/?token={encoded} HTTP/1.0\r\nHost: {hostport}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut body = String::new();
    stream.read_to_string(&mut body).await.expect("read");
    let start = body.find("<data>").map(|i| i + "<data>".len());
    let end = body.find("</data>");
    match (start, end) {
        (Some(s), Some(e)) if s <= e => body[s..e].trim().to_owned(),
        _ => panic!("no <data> in the answer: {body}"),
    }
}

#[tokio::test]
#[ignore = "e2e: run with --include-ignored inside scripts/test-env.sh"]
async fn a_policy_switch_saved_in_the_app_is_the_expected_base64_on_the_server() {
    let home = Home::new();
    let app = App::launch("policy_switch", &home, &["--sandbox"]).await;
    app.check(app.dashboard_counts().await).await;
    let (url, domain, token) = app.check(crate::sandbox_of_app(&home)).await;
    let api = client(&url, &domain, &token);

    const KEY: &str = "trillian.history.cloud";
    let policies = api.policies().list().await.expect("policies");
    let policy = policies
        .iter()
        .find(|p| p.data.get(KEY).is_some())
        .expect("a demo policy sets cloud history")
        .clone();
    let before = policy.data.to_text();
    let old = policy.data.get(KEY).unwrap_or_default().to_owned();
    let new = if old == "1" { "0" } else { "1" };
    let expected = before.replacen(&format!("{KEY} {old}"), &format!("{KEY} {new}"), 1);
    assert_ne!(expected, before);

    app.check(app.click_link("Policies").await).await;
    app.check(
        app.wait_for(
            Locator::Css("ul[aria-label='Policies'] button"),
            "policy list",
        )
        .await,
    )
    .await;
    let pick = format!(
        "//ul[@aria-label='Policies']//button[starts-with(normalize-space(), '{}')]",
        policy.name
    );
    app.check(click_xpath(&app, &pick, "the policy").await)
        .await;
    let switch = format!("//input[@role='switch'][@aria-label='{KEY}']");
    app.check(click_xpath(&app, &switch, KEY).await).await;
    app.check(app.click("Show changes").await).await;
    let diff = app
        .wait_text(
            "table[aria-label^='Differences']",
            "unsaved-edit diff",
            |t| t.contains(KEY),
        )
        .await;
    app.check(diff).await;
    app.screenshot("policy-edit-diff").await;
    app.check(app.click("Save 1 change").await).await;
    let saved = app
        .wait_text("button[aria-pressed='true']", "saved", |_| true)
        .await;
    app.check(saved).await;
    // Saved when the pending count is back to zero.
    app.check(
        app.wait_for(
            Locator::XPath("//button[normalize-space()='Save 0 changes'][@disabled]"),
            "save done",
        )
        .await,
    )
    .await;
    app.screenshot("policy-saved").await;

    let raw = raw_policy_data(&url, &domain, &token, policy.id).await;
    let decoded = PolicyItems::from_base64(&raw)
        .expect("Base64 of UTF-8")
        .to_text();
    if decoded != expected || raw != PolicyItems::from_text(&expected).to_base64() {
        app.fail_now(&format!(
            "server has {raw:?} = {decoded:?}, expected {expected:?}"
        ))
        .await;
    }
    app.quit().await;
}

/// The graph view: a peering added with the graph's keyboard form (the canvas itself is not
/// reachable by WebDriver) is staged in the shared change set, drawn, applied, and on the server.
#[tokio::test]
#[ignore = "e2e: run with --include-ignored inside scripts/test-env.sh"]
async fn a_peering_added_in_the_graph_is_applied_to_the_server() {
    let home = Home::new();
    let app = App::launch("group_graph", &home, &["--sandbox"]).await;
    app.check(app.dashboard_counts().await).await;
    let (url, domain, token) = app.check(crate::sandbox_of_app(&home)).await;
    let api = client(&url, &domain, &token);

    let groups = api.groups().list(Expand::PEERS).await.expect("groups");
    let Some((a, b)) = groups.iter().find_map(|a| {
        groups
            .iter()
            .find(|b| a.id != b.id && !a.peers.contains(&b.id))
            .map(|b| (a.id, b.id))
    }) else {
        panic!("the demo leaves some groups unpeered");
    };
    let name = |id: u64| {
        groups
            .iter()
            .find(|g| g.id == id)
            .map(|g| g.displayname.clone())
            .unwrap_or_default()
    };
    // 30 groups in all, each new one seeing two others, for a look at a busy graph.
    let root = groups.iter().find(|g| g.parent == 0).map_or(0, |g| g.id);
    let mut ids: Vec<u64> = groups.iter().map(|g| g.id).collect();
    for i in 0..30usize.saturating_sub(groups.len()) {
        let new = api
            .groups()
            .create(&trillian_api::model::NewGroup {
                displayname: format!("Team {}", i + 1),
                name: format!("team{}.example.com", i + 1),
                parent: Some(root),
                ..Default::default()
            })
            .await
            .expect("create a group");
        for peer in [ids[i % ids.len()], ids[(i * 7 + 3) % ids.len()]] {
            api.groups()
                .peers(new.id)
                .add(peer)
                .await
                .expect("add a peering");
        }
        ids.push(new.id);
    }

    app.check(app.click_link("Groups").await).await;
    app.check(
        click_xpath(
            &app,
            "//button[@role='tab'][normalize-space()='Graph']",
            "Graph tab",
        )
        .await,
    )
    .await;
    // The graph library drew on its canvas (it runs under the app's frozen prototypes and CSP).
    app.check(
        app.wait_for(
            Locator::Css("section[aria-label='Peer graph'] canvas"),
            "graph canvas",
        )
        .await,
    )
    .await;
    for (label, id) in [("Peering from", a), ("Peering to", b)] {
        let css = format!("select[aria-label='{label}']");
        let select = app
            .check(app.wait_for(Locator::Css(&css), label).await)
            .await;
        if let Err(e) = select.select_by_value(&id.to_string()).await {
            app.fail_now(&format!("choosing {label}: {e}")).await;
        }
    }
    app.check(app.click("Add peering").await).await;
    let want = format!("{} sees {}", name(a), name(b));
    let staged = app
        .wait_text("ul[aria-label='Staged peer changes']", "staged list", |t| {
            t.contains(&want)
        })
        .await;
    app.check(staged).await;
    app.screenshot("group-graph-staged").await;
    let dark = "document.documentElement.dataset.theme = 'dark';";
    let _ = app.client.execute(dark, vec![]).await;
    app.screenshot("group-graph-staged-dark").await;
    let light = "document.documentElement.dataset.theme = 'light';";
    let _ = app.client.execute(light, vec![]).await;

    // The layered layout (rows by the group tree), for a look.
    let layout = app
        .check(
            app.wait_for(
                Locator::XPath("//label[starts-with(normalize-space(),'Layout')]/select"),
                "layout",
            )
            .await,
        )
        .await;
    if let Err(e) = layout.select_by_value("layered").await {
        app.fail_now(&format!("choosing the layered layout: {e}"))
            .await;
    }
    app.screenshot("group-graph-layered").await;

    app.check(app.click("Apply 1 change").await).await;
    let result = app
        .wait_text("[aria-label='Apply result']", "apply result", |t| {
            t.contains("1 done")
        })
        .await;
    app.check(result).await;
    app.screenshot("group-graph-applied").await;
    let peers = api.groups().peers(a).list().await.expect("peers");
    if !peers.contains(&b) {
        app.fail_now(&format!("{want}: not on the server after the apply"))
            .await;
    }
    app.quit().await;
}

//! Media in the real app against its embedded sandbox: upload an image, see the thumbnail made
//! and decoded in Rust in the gallery, delete it after the typed confirmation. Each step is
//! checked on the server.
//!
//! How the file gets in: WebDriver can neither drag a file from the desktop nor work a native
//! file dialog. A drop and the "Upload files…" dialog meet in one Rust function,
//! `MediaState::accept_paths` (src-tauri/src/commands/media.rs), which checks each path and holds
//! it behind a handle; the upload then goes by handle. This test takes the dialog route: the
//! debug build's dialog returns the paths in `TRILLIAN_E2E_PICK_FILES` (set here for the app
//! process, out of reach of the web view) instead of opening the GTK dialog, and from there on it
//! is the code a drop runs: `accept_paths`, the handles, `media_upload`, trillian-core's job with
//! the local thumbnail, the streamed upload. No test-only command, and no path from JavaScript.

use fantoccini::Locator;
use trillian_api::{Client, Expand, Token};

use crate::harness::{App, Home, Step};

const FILE: &str = "e2e-harbour.jpg";

async fn eventually<F, Fut>(what: &str, mut ok: F) -> Step
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..60 {
        if ok().await {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    Err(format!("on the server: {what}"))
}

async fn listed(api: &Client, chat: &str) -> bool {
    api.groupchats()
        .media(chat)
        .list()
        .await
        .is_ok_and(|items| items.iter().any(|m| m.name == FILE))
}

/// The group chat whose media include the uploaded file.
async fn holder(api: &Client) -> Option<String> {
    for chat in api.groupchats().list(Expand::empty()).await.ok()? {
        if listed(api, &chat.name).await {
            return Some(chat.name);
        }
    }
    None
}

#[tokio::test]
#[ignore = "e2e: run with --include-ignored inside scripts/test-env.sh"]
async fn an_uploaded_image_shows_its_thumbnail_and_is_deleted_after_confirmation() {
    let home = Home::new();
    let files = tempfile::tempdir().expect("tempdir");
    let photo = files.path().join(FILE);

    // First run: the sandbox comes up; borrow one of a demo user's photos as the file to upload.
    let app = App::launch("media_boot", &home, &["--sandbox"]).await;
    app.check(app.dashboard_counts().await).await;
    let (url, domain, token) = app.check(crate::sandbox_of_app(&home)).await;
    let api = Client::builder(&url, &domain, Token::new(token))
        .build()
        .expect("client");
    let mut bytes = None;
    for user in api.users().list().await.expect("users") {
        let media = api.users().media(&user.name);
        let items = media.list().await.unwrap_or_default();
        if let Some(item) = items.iter().find(|m| m.content_type == "image/jpeg") {
            bytes = Some(media.get(&item.id).await.expect("demo photo").bytes);
            break;
        }
    }
    std::fs::write(&photo, bytes.expect("a demo user's photo")).expect("write photo");
    app.quit().await;

    let app = App::launch_with(
        "media",
        &home,
        &["--sandbox"],
        &[("TRILLIAN_E2E_PICK_FILES", photo.as_os_str())],
    )
    .await;
    app.check(app.dashboard_counts().await).await;
    let (url, domain, token) = app.check(crate::sandbox_of_app(&home)).await;
    let api = Client::builder(&url, &domain, Token::new(token))
        .build()
        .expect("client");
    app.check(app.click_link("Media").await).await;
    app.check(app.settled("Media").await).await;
    app.check(app.click("Upload files…").await).await;
    app.check(
        app.wait_text("[aria-label='Upload progress']", "upload", |t| {
            t.contains("1 uploaded")
        })
        .await,
    )
    .await;
    // The Media screen opens on one of the group chats; the file must be in exactly that one.
    let mut chat = None;
    for _ in 0..60 {
        chat = holder(&api).await;
        if chat.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let Some(chat) = chat else {
        app.fail_now("on the server: no group chat holds the uploaded image")
            .await
    };
    let shown = app
        .check(app.attr("select[aria-label='Group chat']", "value").await)
        .await;
    if shown.as_deref() != Some(chat.as_str()) {
        app.fail_now(&format!("uploaded to {chat}, the screen shows {shown:?}"))
            .await;
    }

    // The thumbnail is a data: URL made in Rust (the CSP allows no other image source).
    let img = app
        .check(
            app.wait_for(
                Locator::Css(&format!("img[alt='Thumbnail of {FILE}']")),
                "thumbnail",
            )
            .await,
        )
        .await;
    let src = img.attr("src").await.ok().flatten().unwrap_or_default();
    if !src.starts_with("data:image/jpeg;base64,") {
        app.fail_now(&format!("thumbnail src {:.40}…", src)).await;
    }
    let width: Option<serde_json::Value> = app
        .client
        .execute(
            "return arguments[0].naturalWidth",
            vec![serde_json::to_value(&img).expect("element")],
        )
        .await
        .ok();
    if width.and_then(|w| w.as_u64()) != Some(256) {
        app.fail_now("the thumbnail did not decode at 256 px wide")
            .await;
    }
    app.screenshot("media-gallery").await;
    let dark = "document.documentElement.dataset.theme = 'dark';";
    let _ = app.client.execute(dark, vec![]).await;
    app.screenshot("media-gallery-dark").await;
    let light = "document.documentElement.dataset.theme = 'light';";
    let _ = app.client.execute(light, vec![]).await;

    // Delete, after typing the file's name.
    app.check(app.click(&format!("Delete {FILE}")).await).await;
    let confirm = app
        .check(
            app.wait_for(
                Locator::Css(&format!("input[aria-label='Type {FILE} to confirm']")),
                "confirmation field",
            )
            .await,
        )
        .await;
    app.screenshot("media-delete-confirm").await;
    app.check(
        confirm
            .send_keys(FILE)
            .await
            .map_err(|e| format!("typing the confirmation: {e}")),
    )
    .await;
    app.check(app.click("Delete permanently").await).await;
    app.check(eventually("image deleted", || async { !listed(&api, &chat).await }).await)
        .await;
    app.check(
        app.wait_text("p.notice", "notice", |t| {
            t.contains(&format!("Deleted {FILE}"))
        })
        .await,
    )
    .await;
    app.quit().await;
}

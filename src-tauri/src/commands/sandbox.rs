//! The embedded sandbox: start it (and make it the active profile), reset its demo data.

use tauri::State;
use tauri::ipc::Channel;

use crate::commands::job::JobEvent;
use crate::commands::profile::Profile;
use crate::error::IpcResult;
use crate::state::AppState;

#[tauri::command]
#[specta::specta]
pub async fn sandbox_start(state: State<'_, AppState>) -> IpcResult<Profile> {
    let profile = state.core.start_sandbox().await?;
    Ok(Profile::one(&state.core, profile).await)
}

/// Puts the demo data back as it was; progress goes to `on_event`.
#[tauri::command]
#[specta::specta]
pub async fn sandbox_reset(
    state: State<'_, AppState>,
    on_event: Channel<JobEvent>,
) -> IpcResult<()> {
    let (job_id, _cancel) = state.start_job();
    let send = |e: JobEvent| {
        // A closed channel (the page went away) must not fail the job.
        let _ = on_event.send(e);
    };
    send(JobEvent::Started {
        job_id: job_id.clone(),
        title: "Reset demo data".into(),
        total: None,
    });
    let result = state.core.reset_sandbox().await;
    state.finish_job(&job_id);
    match &result {
        Ok(()) => send(JobEvent::Finished {
            ok: true,
            message: "Demo data restored.".into(),
        }),
        Err(e) => send(JobEvent::Finished {
            ok: false,
            message: e.to_string(),
        }),
    }
    Ok(result?)
}

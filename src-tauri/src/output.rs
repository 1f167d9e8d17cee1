//! The `recoup-output` URI scheme: a generation's output image for the history's thumbnails,
//! from the device's cache or fetched from the endpoint. Only ids of this profile's generations
//! resolve; anything else is a 404 with a reason.

use tauri::http::{Request, Response, StatusCode, header};
use tauri::{Manager, Runtime, UriSchemeContext, UriSchemeResponder};

use crate::Shared;

/// Answers `recoup-output://localhost/<generation id>` on a blocking thread.
pub fn serve<R: Runtime>(
    ctx: UriSchemeContext<'_, R>,
    request: Request<Vec<u8>>,
    responder: UriSchemeResponder,
) {
    let id = request.uri().path().trim_start_matches('/').to_owned();
    let app = ctx.app_handle().state::<Shared>().app();
    tauri::async_runtime::spawn_blocking(move || {
        let answer = app.and_then(|app| app.output(&id));
        let response = match answer {
            Ok((bytes, content_type)) => Response::builder()
                .status(StatusCode::OK)
                .header(header::CONTENT_TYPE, content_type)
                // Outputs never change once made.
                .header(
                    header::CACHE_CONTROL,
                    "private, max-age=31536000, immutable",
                )
                .body(bytes),
            Err(e) => Response::builder()
                .status(match e.code {
                    recoup_app::ErrorCode::NotFound | recoup_app::ErrorCode::InvalidInput => {
                        StatusCode::NOT_FOUND
                    }
                    _ => StatusCode::SERVICE_UNAVAILABLE,
                })
                .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
                .body(e.message.into_bytes()),
        };
        match response {
            Ok(r) => responder.respond(r),
            Err(e) => log::error!("an output response was not built: {e}"),
        }
    });
}

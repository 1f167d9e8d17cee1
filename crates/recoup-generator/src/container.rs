//! What can honestly be checked in an MP4 or WebM without a video decoder: the container's
//! signature, that its structure is whole (no box or element runs past the end of the file),
//! and that it has tracks and media data. No frame is decoded, so a video that is intact but
//! blank or noise is not caught here: it is `usable` and goes to a person.

use crate::inspect::{Inspection, Verdict};

/// Most boxes or elements walked in one file (bounds the work on a hostile file).
const WALK_STEPS_MAX: usize = 100_000;

/// The ISO base media file format (MP4): a file of boxes, `ftyp` first.
pub(crate) fn inspect_mp4(bytes: &[u8]) -> Inspection {
    let top = match boxes(bytes, 0, bytes.len()) {
        Ok(b) => b,
        Err(walk) => return walk.into_inspection("MP4"),
    };
    if top.first().map(|b| b.kind) != Some(*b"ftyp") {
        return Inspection::new(Verdict::Corrupt, "MP4 does not start with an ftyp box");
    }
    let has = |kind: &[u8; 4]| top.iter().find(|b| &b.kind == kind);
    let Some(moov) = has(b"moov") else {
        return Inspection::new(
            Verdict::Corrupt,
            "MP4 has no moov box: no track index, nothing can be played",
        );
    };
    let fragmented = has(b"moof").is_some();
    let media: usize = top
        .iter()
        .filter(|b| &b.kind == b"mdat")
        .map(|b| b.end - b.body)
        .sum();
    if media == 0 {
        return Inspection::new(
            Verdict::Corrupt,
            "MP4 has no media data (mdat empty or absent)",
        );
    }
    let children = match boxes(bytes, moov.body, moov.end) {
        Ok(c) => c,
        Err(walk) => return walk.into_inspection("MP4 moov"),
    };
    let tracks = children.iter().filter(|b| &b.kind == b"trak").count();
    if tracks == 0 {
        return Inspection::new(Verdict::Corrupt, "MP4 has no tracks (no trak in moov)");
    }
    let duration = children
        .iter()
        .find(|b| &b.kind == b"mvhd")
        .and_then(|b| mvhd_duration(&bytes[b.body..b.end]));
    if duration == Some(0) && !fragmented {
        return Inspection::new(Verdict::Corrupt, "MP4 has a zero duration (mvhd)");
    }
    Inspection::new(
        Verdict::Usable,
        format!(
            "MP4 container intact: {tracks} track(s), {media} bytes of media data; \
             frames not decoded (no video decoder)"
        ),
    )
}

/// The movie's duration from an `mvhd` body (version 0 or 1).
fn mvhd_duration(body: &[u8]) -> Option<u64> {
    match body.first()? {
        0 => body
            .get(16..20)
            .map(|d| u64::from(u32::from_be_bytes([d[0], d[1], d[2], d[3]]))),
        1 => body
            .get(28..36)
            .and_then(|d| d.try_into().ok())
            .map(u64::from_be_bytes),
        _ => None,
    }
}

/// A box: its type and where its body starts and ends.
struct Mp4Box {
    kind: [u8; 4],
    body: usize,
    end: usize,
}

/// Why a walk stopped before the end.
enum Walk {
    Truncated(String),
    Corrupt(String),
}

impl Walk {
    fn into_inspection(self, what: &str) -> Inspection {
        match self {
            Walk::Truncated(d) => Inspection::new(Verdict::Truncated, format!("{what}: {d}")),
            Walk::Corrupt(d) => Inspection::new(Verdict::Corrupt, format!("{what}: {d}")),
        }
    }
}

/// The boxes laid end to end in `bytes[start..end]`.
fn boxes(bytes: &[u8], start: usize, end: usize) -> Result<Vec<Mp4Box>, Walk> {
    let mut out = Vec::new();
    let mut pos = start;
    while pos < end {
        if out.len() >= WALK_STEPS_MAX {
            return Err(Walk::Corrupt(format!("more than {WALK_STEPS_MAX} boxes")));
        }
        let header = bytes
            .get(pos..pos + 8)
            .filter(|_| pos + 8 <= end)
            .ok_or_else(|| Walk::Truncated(format!("ends inside a box header at byte {pos}")))?;
        let size32 = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let kind = [header[4], header[5], header[6], header[7]];
        if !kind.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
            return Err(Walk::Corrupt(format!("box type at byte {pos} is not text")));
        }
        let (body, size) = match size32 {
            // Extends to the end of its parent.
            0 => (pos + 8, end - pos),
            1 => {
                let large = bytes
                    .get(pos + 8..pos + 16)
                    .and_then(|d| d.try_into().ok())
                    .map(u64::from_be_bytes)
                    .ok_or_else(|| {
                        Walk::Truncated(format!("ends inside a 64-bit box size at byte {pos}"))
                    })?;
                let size = usize::try_from(large).unwrap_or(usize::MAX);
                (pos + 16, size)
            }
            n => (pos + 8, n as usize),
        };
        if size < body - pos {
            return Err(Walk::Corrupt(format!(
                "box {} at byte {pos} is smaller than its header",
                String::from_utf8_lossy(&kind)
            )));
        }
        let box_end = pos.saturating_add(size);
        if box_end > end {
            return Err(Walk::Truncated(format!(
                "box {} at byte {pos} needs {size} bytes, {} are there",
                String::from_utf8_lossy(&kind),
                end - pos
            )));
        }
        out.push(Mp4Box {
            kind,
            body,
            end: box_end,
        });
        pos = box_end;
    }
    Ok(out)
}

const EBML_HEADER: u32 = 0x1A45_DFA3;
const EBML_DOC_TYPE: u32 = 0x4282;
const SEGMENT: u32 = 0x1853_8067;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const CLUSTER: u32 = 0x1F43_B675;

/// An EBML element: its id, where its body starts, and where it ends (`None`: unknown size,
/// it runs to the end of its parent).
struct Element {
    id: u32,
    body: usize,
    end: Option<usize>,
}

/// WebM (Matroska's subset): an EBML header naming the `webm` doc type, then a segment with
/// tracks and clusters.
pub(crate) fn inspect_webm(bytes: &[u8]) -> Inspection {
    let top = match elements(bytes, 0, bytes.len()) {
        Ok(e) => e,
        Err(walk) => return walk.into_inspection("WebM"),
    };
    let Some(header) = top.first().filter(|e| e.id == EBML_HEADER) else {
        return Inspection::new(Verdict::Corrupt, "WebM does not start with an EBML header");
    };
    let header_end = header.end.unwrap_or(bytes.len());
    let doc_type = match elements(bytes, header.body, header_end) {
        Ok(children) => children
            .iter()
            .find(|e| e.id == EBML_DOC_TYPE)
            .map(|e| bytes[e.body..e.end.unwrap_or(header_end)].to_vec()),
        Err(walk) => return walk.into_inspection("WebM header"),
    };
    let doc_type = doc_type.map(|d| {
        String::from_utf8_lossy(&d)
            .trim_end_matches('\0')
            .to_owned()
    });
    if doc_type.as_deref() != Some("webm") {
        return Inspection::new(
            Verdict::Corrupt,
            format!("EBML doc type is {doc_type:?}, not \"webm\""),
        );
    }
    let Some(segment) = top.iter().find(|e| e.id == SEGMENT) else {
        return Inspection::new(Verdict::Corrupt, "WebM has no segment");
    };
    let segment_end = segment.end.unwrap_or(bytes.len());
    let children = match elements(bytes, segment.body, segment_end) {
        Ok(c) => c,
        Err(walk) => return walk.into_inspection("WebM segment"),
    };
    let Some(tracks) = children.iter().find(|e| e.id == TRACKS) else {
        return Inspection::new(Verdict::Corrupt, "WebM has no Tracks element");
    };
    let entries = match elements(bytes, tracks.body, tracks.end.unwrap_or(segment_end)) {
        Ok(t) => t.iter().filter(|e| e.id == TRACK_ENTRY).count(),
        Err(walk) => return walk.into_inspection("WebM tracks"),
    };
    if entries == 0 {
        return Inspection::new(
            Verdict::Corrupt,
            "WebM has no tracks (empty Tracks element)",
        );
    }
    let clusters: Vec<&Element> = children.iter().filter(|e| e.id == CLUSTER).collect();
    let media: usize = clusters
        .iter()
        .map(|c| c.end.unwrap_or(segment_end) - c.body)
        .sum();
    if clusters.is_empty() || media == 0 {
        return Inspection::new(
            Verdict::Corrupt,
            "WebM has no media data (no non-empty cluster)",
        );
    }
    Inspection::new(
        Verdict::Usable,
        format!(
            "WebM container intact: {entries} track(s), {} cluster(s), {media} bytes of media \
             data; frames not decoded (no video decoder)",
            clusters.len()
        ),
    )
}

/// The elements laid end to end in `bytes[start..end]`. An element of unknown size runs to
/// `end` and ends the walk.
fn elements(bytes: &[u8], start: usize, end: usize) -> Result<Vec<Element>, Walk> {
    let mut out = Vec::new();
    let mut pos = start;
    while pos < end {
        if out.len() >= WALK_STEPS_MAX {
            return Err(Walk::Corrupt(format!(
                "more than {WALK_STEPS_MAX} elements"
            )));
        }
        let (id, id_len) = vint(bytes, pos, end, 4, true)
            .ok_or_else(|| Walk::Truncated(format!("ends inside an element id at byte {pos}")))?
            .map_err(|d| Walk::Corrupt(format!("element id at byte {pos}: {d}")))?;
        let (size, size_len) = vint(bytes, pos + id_len, end, 8, false)
            .ok_or_else(|| Walk::Truncated(format!("ends inside an element size at byte {pos}")))?
            .map_err(|d| Walk::Corrupt(format!("element size at byte {pos}: {d}")))?;
        let body = pos + id_len + size_len;
        let id = u32::try_from(id).unwrap_or(u32::MAX);
        // All size bits set: the size is unknown (streamed); it runs to the end of its parent.
        let unknown = size == (1u64 << (7 * size_len)) - 1;
        if unknown {
            out.push(Element {
                id,
                body,
                end: None,
            });
            break;
        }
        let element_end = usize::try_from(size)
            .ok()
            .and_then(|s| body.checked_add(s))
            .unwrap_or(usize::MAX);
        if element_end > end {
            return Err(Walk::Truncated(format!(
                "element {id:#x} at byte {pos} needs {size} bytes, {} are there",
                end.saturating_sub(body)
            )));
        }
        out.push(Element {
            id,
            body,
            end: Some(element_end),
        });
        pos = element_end;
    }
    Ok(out)
}

/// An EBML variable-length integer at `pos`: its value (with the length marker kept for an
/// id, removed for a size) and its length. `None` when the data ends inside it.
fn vint(
    bytes: &[u8],
    pos: usize,
    end: usize,
    len_max: usize,
    keep_marker: bool,
) -> Option<Result<(u64, usize), &'static str>> {
    let first = *bytes.get(pos).filter(|_| pos < end)?;
    let len = first.leading_zeros() as usize + 1;
    if len > len_max {
        return Some(Err("longer than allowed"));
    }
    let raw = bytes.get(pos..pos + len).filter(|_| pos + len <= end)?;
    let mut value = if keep_marker {
        u64::from(first)
    } else {
        u64::from(first) & ((1u64 << (8 - len)) - 1)
    };
    for b in &raw[1..] {
        value = (value << 8) | u64::from(*b);
    }
    Some(Ok((value, len)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mp4_box(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut b = u32::try_from(body.len() + 8)
            .unwrap()
            .to_be_bytes()
            .to_vec();
        b.extend_from_slice(kind);
        b.extend_from_slice(body);
        b
    }

    /// A minimal MP4: ftyp, moov (mvhd with a duration, one trak), mdat.
    pub(crate) fn mp4() -> Vec<u8> {
        let mut mvhd = vec![0u8; 100];
        mvhd[16..20].copy_from_slice(&1000u32.to_be_bytes());
        let moov = [mp4_box(b"mvhd", &mvhd), mp4_box(b"trak", &[0; 16])].concat();
        [
            mp4_box(b"ftyp", b"isom\0\0\x02\0isomiso2"),
            mp4_box(b"moov", &moov),
            mp4_box(b"mdat", &[7; 64]),
        ]
        .concat()
    }

    fn ebml(id: &[u8], body: &[u8]) -> Vec<u8> {
        let mut e = id.to_vec();
        // An 8-byte size: 0x01 then seven bytes.
        e.push(0x01);
        e.extend_from_slice(&(body.len() as u64).to_be_bytes()[1..]);
        e.extend_from_slice(body);
        e
    }

    /// A minimal WebM: EBML header (doc type webm), segment with tracks and a cluster.
    pub(crate) fn webm() -> Vec<u8> {
        let header = ebml(&[0x1A, 0x45, 0xDF, 0xA3], &ebml(&[0x42, 0x82], b"webm"));
        let tracks = ebml(
            &[0x16, 0x54, 0xAE, 0x6B],
            &ebml(&[0xAE], &[0x83, 0x81, 0x01]),
        );
        let cluster = ebml(
            &[0x1F, 0x43, 0xB6, 0x75],
            &[0xE7, 0x81, 0x00, 0xA3, 0x81, 0x00],
        );
        let segment = ebml(&[0x18, 0x53, 0x80, 0x67], &[tracks, cluster].concat());
        [header, segment].concat()
    }

    #[test]
    fn an_intact_mp4_is_usable_and_cut_short_is_truncated() {
        let file = mp4();
        assert_eq!(inspect_mp4(&file).verdict, Verdict::Usable, "whole file");
        for cut in [10, file.len() / 2, file.len() - 1] {
            assert_eq!(
                inspect_mp4(&file[..cut]).verdict,
                Verdict::Truncated,
                "cut at {cut} of {}",
                file.len()
            );
        }
    }

    #[test]
    fn an_mp4_without_tracks_or_media_is_corrupt() {
        let no_trak = [
            mp4_box(b"ftyp", b"isom\0\0\x02\0"),
            mp4_box(b"moov", &mp4_box(b"mvhd", &[0; 100])),
            mp4_box(b"mdat", &[7; 8]),
        ]
        .concat();
        assert_eq!(inspect_mp4(&no_trak).verdict, Verdict::Corrupt, "no track");
        let no_media = [
            mp4_box(b"ftyp", b"isom\0\0\x02\0"),
            mp4_box(b"moov", &mp4_box(b"trak", &[0; 8])),
            mp4_box(b"mdat", &[]),
        ]
        .concat();
        assert_eq!(
            inspect_mp4(&no_media).verdict,
            Verdict::Corrupt,
            "empty mdat"
        );
    }

    #[test]
    fn an_intact_webm_is_usable_and_cut_short_is_truncated() {
        let file = webm();
        assert_eq!(inspect_webm(&file).verdict, Verdict::Usable, "whole file");
        for cut in [6, file.len() / 2, file.len() - 1] {
            assert_eq!(
                inspect_webm(&file[..cut]).verdict,
                Verdict::Truncated,
                "cut at {cut} of {}",
                file.len()
            );
        }
    }
}

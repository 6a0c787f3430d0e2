//! Windows identifiers for the Linux-style locale settings of a spec.
//!
//! A spec names its time zone as an IANA name (`Europe/Berlin`) and its keyboard as an XKB layout
//! (`de`, `us(intl)`), as Linux installers do. Windows Setup wants other identifiers in
//! `autounattend.xml`: a Windows time zone ID in `<TimeZone>` (`W. Europe Standard Time`) and an
//! input profile in `<InputLocale>` (`0407:00000407`). This module owns both translations and
//! nothing else: it does not decide where the answer file uses them, and it does no I/O.
//!
//! Time zones come from Unicode CLDR's `windowsZones.json`, copied byte for byte from the npm
//! package `cldr-core` into `data/cldr/` (version, licence and update steps in
//! `data/cldr/README.md`), embedded with `include_str!` and parsed once. CLDR spells many zones
//! with their older tz names (`Asia/Calcutta`, `Europe/Kiev`), so a small alias table maps the
//! current names to those.
//!
//! Keyboards come from a table written here from Microsoft Learn's input profile and keyboard
//! identifier pages (cited at the table `KEYBOARDS`); a layout goes in only when its identifiers
//! were found on those pages.
//!
//! Values that are already in Windows form (a Windows time zone ID, `0409:00000409`, `de-DE`) are
//! accepted and returned unchanged, so a spec can name a Windows value the tables do not cover.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde::Deserialize;

use crate::diagnostic::closest;

/// CLDR's mapping, embedded; see `data/cldr/README.md`.
const WINDOWS_ZONES_JSON: &str = include_str!("../data/cldr/windowsZones.json");

/// Current tz database names that CLDR's `windowsZones.json` lists only under another name,
/// with the name CLDR uses.
///
/// Every row is a `Link` of the tz database: the renamed zones and the `UTC`/`GMT` spellings are
/// in its `backward` file (`Link Asia/Kolkata Asia/Calcutta`, `Link Etc/UTC UTC`, ...), and `GMT`
/// itself in its `etcetera` file. `Europe/Uzhgorod` and `Europe/Zaporozhye` became links to
/// `Europe/Kyiv` in tz 2022g. A unit test checks that every target is still in the CLDR data and
/// that no source has been added to it (the row would then be dead).
const ZONE_ALIASES: &[(&str, &str)] = &[
    ("Africa/Asmara", "Africa/Asmera"),
    ("America/Argentina/Buenos_Aires", "America/Buenos_Aires"),
    ("America/Argentina/Catamarca", "America/Catamarca"),
    ("America/Argentina/Cordoba", "America/Cordoba"),
    ("America/Argentina/Jujuy", "America/Jujuy"),
    ("America/Argentina/Mendoza", "America/Mendoza"),
    ("America/Atikokan", "America/Coral_Harbour"),
    ("America/Indiana/Indianapolis", "America/Indianapolis"),
    ("America/Kentucky/Louisville", "America/Louisville"),
    ("America/Nuuk", "America/Godthab"),
    ("Asia/Ho_Chi_Minh", "Asia/Saigon"),
    ("Asia/Kathmandu", "Asia/Katmandu"),
    ("Asia/Kolkata", "Asia/Calcutta"),
    ("Asia/Yangon", "Asia/Rangoon"),
    ("Atlantic/Faroe", "Atlantic/Faeroe"),
    ("Europe/Kyiv", "Europe/Kiev"),
    ("Europe/Uzhgorod", "Europe/Kiev"),
    ("Europe/Zaporozhye", "Europe/Kiev"),
    ("Pacific/Chuuk", "Pacific/Truk"),
    ("Pacific/Kanton", "Pacific/Enderbury"),
    ("Pacific/Pohnpei", "Pacific/Ponape"),
    ("UTC", "Etc/UTC"),
    ("UCT", "Etc/UTC"),
    ("Universal", "Etc/UTC"),
    ("Zulu", "Etc/UTC"),
    ("Etc/UCT", "Etc/UTC"),
    ("Etc/Universal", "Etc/UTC"),
    ("Etc/Zulu", "Etc/UTC"),
    ("GMT", "Etc/GMT"),
    ("GMT0", "Etc/GMT"),
    ("GMT+0", "Etc/GMT"),
    ("GMT-0", "Etc/GMT"),
    ("Greenwich", "Etc/GMT"),
    ("Etc/GMT0", "Etc/GMT"),
    ("Etc/GMT+0", "Etc/GMT"),
    ("Etc/GMT-0", "Etc/GMT"),
    ("Etc/Greenwich", "Etc/GMT"),
];

/// XKB layouts (as Linux installers name them) and the Windows input profile
/// (`LANGID:KLID`, hexadecimal) with the same key layout.
///
/// The language ID and the pairing come from Microsoft Learn, "Default Input Profiles (Input
/// Locales) in Windows",
/// <https://learn.microsoft.com/windows-hardware/manufacture/desktop/default-input-locales-for-windows-language-packs>
/// (the row of the language/region named in each comment); where the XKB layout differs from that
/// row's default keyboard, the keyboard ID comes from the companion page "Keyboard Identifiers
/// and Input Method Editors for Windows",
/// <https://learn.microsoft.com/windows-hardware/manufacture/desktop/windows-language-pack-default-values>.
/// A layout whose identifiers were not found on those pages is left out rather than guessed.
///
/// A variant such as `us(intl)` has its own row only when Windows has a known equivalent; any
/// other variant falls back to its base layout (see [`windows_input_locale`]).
const KEYBOARDS: &[(&str, &str)] = &[
    // en-US: United States - English.
    ("us", "0409:00000409"),
    // en-US with "United States - International" (0x00020409), listed as a secondary profile.
    ("us(intl)", "0409:00020409"),
    // en-US with "United States - Dvorak" (0x00010409, keyboard identifiers page).
    ("us(dvorak)", "0409:00010409"),
    // en-GB: Great Britain.
    ("gb", "0809:00000809"),
    // en-IE: Irish.
    ("ie", "1809:00001809"),
    // de-DE: German.
    ("de", "0407:00000407"),
    // de-AT: German.
    ("at", "0c07:00000407"),
    // de-CH: Swiss German.
    ("ch", "0807:00000807"),
    // fr-CH: Swiss French.
    ("ch(fr)", "100c:0000100c"),
    // fr-FR: French.
    ("fr", "040c:0000040c"),
    // fr-BE: Belgian French.
    ("be", "080c:0000080c"),
    // fr-CA with "Canadian French" (0x00001009, keyboard identifiers page): XKB's `ca` is that
    // layout, not the Canadian Multilingual Standard that is fr-CA's default.
    ("ca", "0c0c:00001009"),
    // fr-CA: Canadian Multilingual Standard (XKB calls it `multix`).
    ("ca(multix)", "0c0c:00011009"),
    // fr-CA with "Canadian French (Legacy)" (0x00000c0c, keyboard identifiers page).
    ("ca(fr-legacy)", "0c0c:00000c0c"),
    // en-CA: United States - English (XKB's English (Canada) is the US layout).
    ("ca(eng)", "1009:00000409"),
    // es-ES (international sort): Spanish.
    ("es", "0c0a:0000040a"),
    // es-MX: Latin American.
    ("latam", "080a:0000080a"),
    // it-IT: Italian.
    ("it", "0410:00000410"),
    // nl-NL with "Dutch" (0x00000413, keyboard identifiers page): nl-NL's default profile is
    // United States - International, but XKB's `nl` is the Dutch layout.
    ("nl", "0413:00000413"),
    // sv-SE: Swedish.
    ("se", "041d:0000041d"),
    // nb-NO: Norwegian.
    ("no", "0414:00000414"),
    // da-DK: Danish.
    ("dk", "0406:00000406"),
    // fi-FI: Finnish.
    ("fi", "040b:0000040b"),
    // is-IS: Icelandic.
    ("is", "040f:0000040f"),
    // et-EE: Estonian.
    ("ee", "0425:00000425"),
    // pl-PL: Polish (Programmers), the layout XKB's `pl` is.
    ("pl", "0415:00000415"),
    // pt-PT: Portuguese.
    ("pt", "0816:00000816"),
    // pt-BR: Portuguese (Brazilian ABNT).
    ("br", "0416:00000416"),
    // cs-CZ: Czech.
    ("cz", "0405:00000405"),
    // sk-SK: Slovak.
    ("sk", "041b:0000041b"),
    // sl-SI: Slovenian.
    ("si", "0424:00000424"),
    // hr-HR: Croatian.
    ("hr", "041a:0000041a"),
    // hu-HU: Hungarian.
    ("hu", "040e:0000040e"),
    // el-GR: Greek.
    ("gr", "0408:00000408"),
    // ja-JP with "Japanese" (0x00000411, keyboard identifiers page): ja-JP's default profile is
    // the Microsoft IME, but the keyboard layout is what XKB's `jp` names. Microsoft's unattend
    // reference uses the same value in its Japanese example
    // (microsoft-windows-international-core-userlocale).
    ("jp", "0411:00000411"),
    // ru-RU: Russian.
    ("ru", "0419:00000419"),
    // uk-UA: Ukrainian (Enhanced), the one with Ґ as in XKB's `ua`.
    ("ua", "0422:00020422"),
    // tr-TR: Turkish Q.
    ("tr", "041f:0000041f"),
    // tr-TR with "Turkish F" (0x0001041f, keyboard identifiers page).
    ("tr(f)", "041f:0001041f"),
];

/// The parsed CLDR mapping.
struct Zones {
    /// IANA name (as CLDR spells it) to Windows ID.
    by_iana: BTreeMap<String, String>,
    /// Every Windows ID in the data.
    windows: BTreeSet<String>,
}

/// The shape of `windowsZones.json`, only the parts read.
#[derive(Deserialize)]
struct File {
    supplemental: Supplemental,
}

#[derive(Deserialize)]
struct Supplemental {
    #[serde(rename = "windowsZones")]
    windows_zones: WindowsZones,
}

#[derive(Deserialize)]
struct WindowsZones {
    #[serde(rename = "mapTimezones")]
    map_timezones: Vec<MapTimezone>,
}

#[derive(Deserialize)]
struct MapTimezone {
    #[serde(rename = "mapZone")]
    map_zone: MapZone,
}

#[derive(Deserialize)]
struct MapZone {
    /// The Windows ID.
    #[serde(rename = "_other")]
    other: String,
    /// CLDR's territory code; `001` marks the zone's "golden" IANA name.
    #[serde(rename = "_territory")]
    territory: String,
    /// IANA names, space-separated.
    #[serde(rename = "_type")]
    names: String,
}

/// The CLDR mapping, parsed on first use.
fn zones() -> &'static Zones {
    static ZONES: OnceLock<Zones> = OnceLock::new();
    ZONES.get_or_init(|| {
        let file: File = serde_json::from_str(WINDOWS_ZONES_JSON)
            .expect("the embedded windowsZones.json parses (a unit test checks it)");
        let entries = file.supplemental.windows_zones.map_timezones;
        let mut by_iana = BTreeMap::new();
        // Territory `001` first, so that its Windows ID wins for a name listed more than once.
        let (golden, regional): (Vec<_>, Vec<_>) = entries
            .iter()
            .map(|e| &e.map_zone)
            .partition(|z| z.territory == "001");
        for zone in golden.into_iter().chain(regional) {
            for name in zone.names.split_ascii_whitespace() {
                by_iana
                    .entry(name.to_owned())
                    .or_insert_with(|| zone.other.clone());
            }
        }
        let windows = entries.into_iter().map(|e| e.map_zone.other).collect();
        Zones { by_iana, windows }
    })
}

/// The Windows time zone ID for `<TimeZone>` in the answer file.
///
/// `iana` is an IANA time zone name (`Europe/Berlin`, `America/New_York`, `UTC`, `Etc/UTC`), as
/// CLDR spells it or by its current tz name (`Asia/Kolkata`, `Europe/Kyiv`); or a Windows time
/// zone ID (`W. Europe Standard Time`), which is returned unchanged. Names are case-sensitive, as
/// in the tz database and in Windows.
///
/// Returns `None` for a name CLDR does not map (a typo, or a zone such as `Antarctica/Troll`
/// that has no Windows equivalent); [`time_zone_suggestions`] offers a correction.
///
/// # Examples
///
/// ```
/// use hybridc::windows_locale::windows_time_zone;
///
/// assert_eq!(windows_time_zone("Europe/Berlin"), Some("W. Europe Standard Time"));
/// assert_eq!(windows_time_zone("Asia/Kolkata"), Some("India Standard Time"));
/// assert_eq!(windows_time_zone("Eastern Standard Time"), Some("Eastern Standard Time"));
/// assert_eq!(windows_time_zone("Europe/Berln"), None);
/// ```
pub fn windows_time_zone(iana: &str) -> Option<&'static str> {
    let zones = zones();
    let cldr_name = ZONE_ALIASES
        .iter()
        .find(|(current, _)| *current == iana)
        .map_or(iana, |(_, cldr)| *cldr);
    zones
        .by_iana
        .get(cldr_name)
        .or_else(|| zones.windows.get(iana))
        .map(String::as_str)
}

/// The accepted time zone name closest to `iana`, for a did-you-mean; empty when none is close.
///
/// Candidates are the IANA names in the CLDR data, their current tz spellings and the Windows IDs.
/// When nothing is close to the whole value, a value without `/` is also compared with the last
/// part of each IANA name, so `Berlin` suggests `Europe/Berlin`.
pub fn time_zone_suggestions(iana: &str) -> Vec<String> {
    let zones = zones();
    let candidates = zones
        .by_iana
        .keys()
        .map(String::as_str)
        .chain(ZONE_ALIASES.iter().map(|(current, _)| *current))
        .chain(zones.windows.iter().map(String::as_str));
    if let Some(found) = closest(iana, candidates) {
        return vec![found.to_owned()];
    }
    if iana.contains('/') {
        return Vec::new();
    }
    let names: Vec<&str> = zones
        .by_iana
        .keys()
        .map(String::as_str)
        .chain(ZONE_ALIASES.iter().map(|(current, _)| *current))
        .filter(|name| name.contains('/'))
        .collect();
    let cities = names.iter().map(|name| city(name));
    closest(iana, cities)
        .and_then(|city_found| names.iter().find(|name| city(name) == city_found))
        .map(|name| vec![(*name).to_owned()])
        .unwrap_or_default()
}

/// The part of an IANA name after its last `/` (`Europe/Berlin` -> `Berlin`).
fn city(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

/// The Windows input profile for `<InputLocale>` in the answer file.
///
/// `keyboard` is an XKB layout as Linux installers name it (`us`, `de`, `gb`), optionally with a
/// variant in parentheses (`us(intl)`, `de(nodeadkeys)`, also written `de (nodeadkeys)`). A
/// variant with a known Windows equivalent maps to it (`us(intl)` -> `0409:00020409`); any other
/// variant maps as its base layout, since Windows has no equivalent to choose instead.
///
/// A value already in Windows form is returned unchanged: an input profile `LANGID:KLID`
/// (`0407:00000407`, four and eight hexadecimal digits), an IME profile `LANGID:{CLSID}{GUID}`,
/// or a language tag (`de-DE`, `sr-Latn-RS`, `es-419`), for which Windows picks that language's
/// default keyboard. A bare language (`de`) is read as an XKB layout.
///
/// Returns `None` for anything else; [`keyboard_suggestions`] offers a correction.
///
/// # Examples
///
/// ```
/// use hybridc::windows_locale::windows_input_locale;
///
/// assert_eq!(windows_input_locale("de").as_deref(), Some("0407:00000407"));
/// assert_eq!(windows_input_locale("us(intl)").as_deref(), Some("0409:00020409"));
/// assert_eq!(windows_input_locale("de-DE").as_deref(), Some("de-DE"));
/// assert_eq!(windows_input_locale("xx"), None);
/// ```
pub fn windows_input_locale(keyboard: &str) -> Option<String> {
    if is_input_profile(keyboard) || is_language_tag(keyboard) {
        return Some(keyboard.to_owned());
    }
    let compact: String = keyboard.chars().filter(|c| !c.is_whitespace()).collect();
    let lookup = |name: &str| {
        KEYBOARDS
            .iter()
            .find(|(xkb, _)| *xkb == name)
            .map(|(_, profile)| (*profile).to_owned())
    };
    if let Some(profile) = lookup(&compact) {
        return Some(profile);
    }
    let (base, variant) = compact.split_once('(')?;
    let variant = variant.strip_suffix(')')?;
    if base.is_empty() || variant.is_empty() || variant.contains(['(', ')']) {
        return None;
    }
    lookup(base)
}

/// The keyboard layout name (XKB, as Linux installers and the spec name it) whose Windows
/// input profile is `profile` (`0407:00000407`: `de`), when the table has one; the inverse of
/// [`windows_input_locale`] on the table's rows. Case is not checked, as Windows does not
/// check it.
pub fn keyboard_layout(profile: &str) -> Option<&'static str> {
    KEYBOARDS
        .iter()
        .find(|(_, p)| p.eq_ignore_ascii_case(profile))
        .map(|(xkb, _)| *xkb)
}

/// The XKB layout in the table closest to `keyboard`, for a did-you-mean; empty when none is
/// close.
pub fn keyboard_suggestions(keyboard: &str) -> Vec<String> {
    closest(keyboard, KEYBOARDS.iter().map(|(xkb, _)| *xkb))
        .map(|found| vec![found.to_owned()])
        .unwrap_or_default()
}

/// `LANGID:KLID` (`0409:00000409`) or an IME profile `LANGID:{CLSID}{profile GUID}`.
fn is_input_profile(value: &str) -> bool {
    let Some((language, keyboard)) = value.split_once(':') else {
        return false;
    };
    if !is_hex(language, 4) {
        return false;
    }
    if is_hex(keyboard, 8) {
        return true;
    }
    let Some(guids) = keyboard.strip_prefix('{').and_then(|k| k.strip_suffix('}')) else {
        return false;
    };
    match guids.split_once("}{") {
        Some((clsid, profile)) => is_guid(clsid) && is_guid(profile),
        None => false,
    }
}

/// A GUID without braces: 8-4-4-4-12 hexadecimal digits.
fn is_guid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| is_hex(group, len))
}

/// Exactly `len` ASCII hexadecimal digits.
fn is_hex(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A language tag with a region, as Windows takes it: `de-DE`, `sr-Latn-RS`, `es-419`. The
/// region is required so that a bare language such as `de` stays an XKB layout. Case is not
/// checked, as Windows does not check it.
fn is_language_tag(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let alpha = |s: &str, lens: &[usize]| {
        lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic())
    };
    let region =
        |s: &str| alpha(s, &[2]) || (s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit()));
    match parts.as_slice() {
        [language, rest @ ..] if alpha(language, &[2, 3]) => match rest {
            [r] => region(r),
            [script, r] => alpha(script, &[4]) && region(r),
            _ => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each input profile names one layout, and a layout and its profile map to each other.
    #[test]
    fn input_profiles_name_their_layouts_back() {
        for (xkb, profile) in KEYBOARDS {
            let rows = KEYBOARDS.iter().filter(|(_, p)| p == profile).count();
            assert_eq!(rows, 1, "{profile} is one layout's");
            assert_eq!(keyboard_layout(profile), Some(*xkb));
            assert_eq!(keyboard_layout(&profile.to_uppercase()), Some(*xkb));
            assert_eq!(windows_input_locale(xkb).as_deref(), Some(*profile));
        }
        assert_eq!(keyboard_layout("0407:00000407"), Some("de"));
        assert_eq!(keyboard_layout("de-DE"), None);
        assert_eq!(keyboard_layout("0401:00000401x"), None);
    }

    #[test]
    fn embedded_data_parses_and_is_not_empty() {
        let file: File = serde_json::from_str(WINDOWS_ZONES_JSON).expect("parses");
        assert!(file.supplemental.windows_zones.map_timezones.len() > 100);
        assert!(zones().by_iana.len() > 300);
        assert!(zones().windows.len() > 100);
    }

    #[test]
    fn maps_common_iana_names() {
        assert_eq!(
            windows_time_zone("Europe/Berlin"),
            Some("W. Europe Standard Time")
        );
        assert_eq!(
            windows_time_zone("America/New_York"),
            Some("Eastern Standard Time")
        );
        assert_eq!(
            windows_time_zone("Europe/London"),
            Some("GMT Standard Time")
        );
        assert_eq!(windows_time_zone("Asia/Tokyo"), Some("Tokyo Standard Time"));
    }

    #[test]
    fn maps_utc_spellings_to_utc() {
        for name in ["UTC", "Etc/UTC", "Etc/GMT", "GMT", "Etc/Zulu", "Etc/UCT"] {
            assert_eq!(windows_time_zone(name), Some("UTC"), "{name}");
        }
    }

    #[test]
    fn maps_current_tz_names_that_cldr_spells_the_old_way() {
        assert_eq!(
            windows_time_zone("Asia/Kolkata"),
            Some("India Standard Time")
        );
        assert_eq!(
            windows_time_zone("Asia/Calcutta"),
            Some("India Standard Time")
        );
        assert_eq!(windows_time_zone("Europe/Kyiv"), Some("FLE Standard Time"));
        assert_eq!(windows_time_zone("Europe/Kiev"), Some("FLE Standard Time"));
        assert_eq!(
            windows_time_zone("Asia/Ho_Chi_Minh"),
            Some("SE Asia Standard Time")
        );
        assert_eq!(
            windows_time_zone("America/Argentina/Buenos_Aires"),
            Some("Argentina Standard Time")
        );
    }

    #[test]
    fn territory_001_wins() {
        // The golden (territory `001`) name of each Windows ID maps back to that ID. CLDR 48 lists
        // no name under two IDs, so the `001` preference only matters if a later release does.
        let file: File = serde_json::from_str(WINDOWS_ZONES_JSON).expect("parses");
        for entry in &file.supplemental.windows_zones.map_timezones {
            let zone = &entry.map_zone;
            if zone.territory == "001" {
                assert_eq!(
                    windows_time_zone(&zone.names),
                    Some(zone.other.as_str()),
                    "{}",
                    zone.names
                );
            }
        }
    }

    #[test]
    fn windows_ids_are_returned_unchanged() {
        assert_eq!(
            windows_time_zone("W. Europe Standard Time"),
            Some("W. Europe Standard Time")
        );
        assert_eq!(
            windows_time_zone("Eastern Standard Time"),
            Some("Eastern Standard Time")
        );
        assert_eq!(windows_time_zone("w. europe standard time"), None);
    }

    #[test]
    fn unknown_time_zone_maps_to_none_with_a_suggestion() {
        assert_eq!(windows_time_zone("Europe/Berln"), None);
        assert_eq!(time_zone_suggestions("Europe/Berln"), vec!["Europe/Berlin"]);
        assert_eq!(windows_time_zone("Berlin"), None);
        assert_eq!(time_zone_suggestions("Berlin"), vec!["Europe/Berlin"]);
        assert_eq!(time_zone_suggestions("Asia/Kolkatta"), vec!["Asia/Kolkata"]);
        assert!(time_zone_suggestions("Mars/Olympus_Mons").is_empty());
        assert_eq!(windows_time_zone(""), None);
        assert!(time_zone_suggestions("").is_empty());
    }

    #[test]
    fn every_iana_name_in_the_data_maps() {
        let file: File = serde_json::from_str(WINDOWS_ZONES_JSON).expect("parses");
        for entry in &file.supplemental.windows_zones.map_timezones {
            for name in entry.map_zone.names.split_ascii_whitespace() {
                let windows = windows_time_zone(name).unwrap_or_else(|| panic!("{name}"));
                assert!(!windows.is_empty(), "{name}");
                assert!(zones().windows.contains(windows), "{name}");
            }
        }
    }

    #[test]
    fn alias_table_matches_the_data() {
        let zones = zones();
        for (current, cldr) in ZONE_ALIASES {
            assert!(
                zones.by_iana.contains_key(*cldr),
                "alias target `{cldr}` of `{current}` is no longer in windowsZones.json"
            );
            assert!(
                !zones.by_iana.contains_key(*current),
                "`{current}` is now in windowsZones.json itself: remove its alias row"
            );
        }
    }

    #[test]
    fn maps_xkb_layouts() {
        let cases = [
            ("us", "0409:00000409"),
            ("de", "0407:00000407"),
            ("gb", "0809:00000809"),
            ("fr", "040c:0000040c"),
            ("ch", "0807:00000807"),
            ("es", "0c0a:0000040a"),
            ("us(intl)", "0409:00020409"),
        ];
        for (xkb, profile) in cases {
            assert_eq!(windows_input_locale(xkb).as_deref(), Some(profile), "{xkb}");
        }
    }

    #[test]
    fn every_requested_layout_is_in_the_table() {
        let layouts = [
            "us", "de", "gb", "fr", "ch", "es", "it", "nl", "be", "se", "no", "dk", "fi", "pl",
            "pt", "br", "cz", "hu", "jp", "ru", "tr", "ca", "latam",
        ];
        for xkb in layouts {
            let profile = windows_input_locale(xkb).unwrap_or_else(|| panic!("{xkb}"));
            assert!(
                is_hex(&profile[..4], 4) && is_hex(&profile[5..], 8),
                "{xkb}"
            );
        }
    }

    #[test]
    fn table_rows_are_unique_and_well_formed() {
        let mut seen = BTreeSet::new();
        for (xkb, profile) in KEYBOARDS {
            assert!(seen.insert(*xkb), "`{xkb}` twice");
            assert!(is_input_profile(profile), "{xkb}: {profile}");
            // The LANGID:KLID form, never a language tag, so the value is one keyboard.
            assert!(!is_language_tag(profile), "{xkb}");
            assert_eq!(*profile, profile.to_ascii_lowercase(), "{xkb}");
        }
    }

    #[test]
    fn unknown_variant_falls_back_to_the_base_layout() {
        assert_eq!(
            windows_input_locale("de(nodeadkeys)").as_deref(),
            Some("0407:00000407")
        );
        assert_eq!(
            windows_input_locale("de (nodeadkeys)").as_deref(),
            Some("0407:00000407")
        );
        assert_eq!(windows_input_locale("de("), None);
        assert_eq!(windows_input_locale("de()"), None);
        assert_eq!(windows_input_locale("(intl)"), None);
        assert_eq!(windows_input_locale("xx(intl)"), None);
    }

    #[test]
    fn windows_forms_are_returned_unchanged() {
        for value in [
            "0407:00000407",
            "0409:00020409",
            "de-DE",
            "en-US",
            "sr-Latn-RS",
            "es-419",
            "0411:{03B5835F-F03C-411B-9CE2-AA23E1171E36}{A76C93D9-5523-4E90-AAFA-4DB112F9AC76}",
        ] {
            assert_eq!(windows_input_locale(value).as_deref(), Some(value));
        }
        for value in [
            "0407:0407",
            "407:00000407",
            "0407:0000040g",
            "de-",
            "-DE",
            "de-DEU1",
        ] {
            assert_eq!(windows_input_locale(value), None, "{value}");
        }
    }

    #[test]
    fn unknown_keyboard_maps_to_none() {
        assert_eq!(windows_input_locale("xx"), None);
        assert_eq!(windows_input_locale(""), None);
        assert!(keyboard_suggestions("xx").is_empty());
        assert_eq!(keyboard_suggestions("latm"), vec!["latam"]);
        assert_eq!(keyboard_suggestions("US"), vec!["us"]);
    }
}

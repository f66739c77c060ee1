//! Links the gateway hands out.

/// `{public_url}/t/{tracking id}`: a tracking's customer page (its id is the
/// page's token).
pub fn tracking_page(public_url: &str, tracking_id: &str) -> String {
    format!("{}/t/{tracking_id}", public_url.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_trailing_slash_of_the_public_url_is_not_doubled() {
        assert_eq!(
            super::tracking_page("https://track.example/", "abc"),
            "https://track.example/t/abc"
        );
    }
}

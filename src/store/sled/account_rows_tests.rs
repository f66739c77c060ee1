use super::*;
use crate::store::backend::Accounts;

#[tokio::test]
async fn an_account_of_an_older_release_keeps_its_key_and_settings() {
    let (_dir, store) = super::super::testing::temp_store().await;
    let hash = crate::core::account::hash_key("old-key");
    let old = AccountV1 {
        id: 1,
        email: "a@example.com".into(),
        key_sha256: hash.clone(),
        created_at: 5,
        notify: NotifyV1 {
            email: true,
            ..NotifyV1::default()
        },
        name: Some("Shop".into()),
        logo_url: None,
    };
    store
        .tree(T::Accounts)
        .insert(1u64.to_be_bytes(), encode(&old))
        .unwrap();
    store
        .tree(T::ApiKeys)
        .insert(hex::decode(&hash).unwrap(), encode(&1u64))
        .unwrap();
    // The open above marked the (then empty) directory done.
    for marker in ALL_MARKERS {
        store
            .inner
            .rows
            .remove(super::super::rows::key(T::Meta, marker))
            .unwrap();
    }

    store.migrate_accounts().unwrap();

    let a = store
        .account_by_key("old-key")
        .await
        .unwrap()
        .expect("key still works");
    assert_eq!(a.key_sha256s, vec![hash]);
    assert!(a.notify.email, "settings kept");
    assert_eq!(a.name.as_deref(), Some("Shop"));
    store.migrate_accounts().unwrap();
    assert!(
        store.account(1).await.unwrap().is_some(),
        "marked done: not run again"
    );
}

#[tokio::test]
async fn an_account_of_the_release_before_connectors_keeps_everything() {
    let (_dir, store) = super::super::testing::temp_store().await;
    let hash = crate::core::account::hash_key("k2");
    let old = AccountV2 {
        id: 1,
        email: "a@example.com".into(),
        key_sha256s: vec![hash.clone()],
        created_at: 5,
        disabled_at: None,
        notify: NotifyV1::default(),
        name: Some("Shop".into()),
        logo_url: None,
        timezone: Some("Europe/Paris".into()),
    };
    store
        .tree(T::Accounts)
        .insert(1u64.to_be_bytes(), encode(&old))
        .unwrap();
    store
        .tree(T::ApiKeys)
        .insert(hex::decode(&hash).unwrap(), encode(&1u64))
        .unwrap();
    for marker in &ALL_MARKERS[1..] {
        store
            .inner
            .rows
            .remove(super::super::rows::key(T::Meta, marker))
            .unwrap();
    }

    store.migrate_accounts().unwrap();

    let a = store
        .account_by_key("k2")
        .await
        .unwrap()
        .expect("key still works");
    assert_eq!(a.timezone.as_deref(), Some("Europe/Paris"));
    assert!(a.connect.is_empty());
}

#[tokio::test]
async fn an_account_of_the_release_before_alerts_keeps_its_rules_and_gets_default_thresholds() {
    use crate::core::rules::Topic;
    use crate::core::status::Status;
    let (_dir, store) = super::super::testing::temp_store().await;
    let old = AccountV3 {
        id: 1,
        email: "a@example.com".into(),
        key_sha256s: vec![crate::core::account::hash_key("k3")],
        created_at: 5,
        disabled_at: None,
        notify: NotifyV1 {
            rules: super::super::notify_rows::RulesV1::slack_only(&[Status::Exception]),
            ..NotifyV1::default()
        },
        name: None,
        logo_url: None,
        timezone: None,
        connect: Default::default(),
    };
    store
        .tree(T::Accounts)
        .insert(1u64.to_be_bytes(), encode(&old))
        .unwrap();
    for marker in &ALL_MARKERS[2..] {
        store
            .inner
            .rows
            .remove(super::super::rows::key(T::Meta, marker))
            .unwrap();
    }

    store.migrate_accounts().unwrap();

    let a = store.account(1).await.unwrap().expect("the account");
    assert_eq!(a.notify.rules.slack, vec![Topic::Status(Status::Exception)]);
    assert_eq!(a.notify.alerts, Default::default());
}

#[tokio::test]
async fn the_webhook_of_the_release_before_endpoints_becomes_the_first_endpoint() {
    use super::super::notify_rows::WebhookDestV1;
    let (_dir, store) = super::super::testing::temp_store().await;
    let notify: NotifyV2 = serde_json::from_value(serde_json::json!({
        "email": true,
        "webhook": {"url": "https://shop.example/hook", "secrets": ["whsec_a"], "disabled": null},
        "slack": null,
        "rules": crate::core::rules::Rules::default(),
        "alerts": crate::core::alerts::AlertSettings::default(),
    }))
    .unwrap();
    let old = AccountV4 {
        id: 1,
        email: "a@example.com".into(),
        key_sha256s: vec![crate::core::account::hash_key("k4")],
        created_at: 5,
        disabled_at: None,
        notify,
        name: None,
        logo_url: None,
        timezone: None,
        connect: Default::default(),
    };
    store
        .tree(T::Accounts)
        .insert(1u64.to_be_bytes(), encode(&old))
        .unwrap();
    store
        .inner
        .rows
        .remove(super::super::rows::key(T::Meta, ACCOUNTS_ENDPOINTS))
        .unwrap();

    store.migrate_accounts().unwrap();

    let a = store.account(1).await.unwrap().expect("the account");
    let first = WebhookDestV1 {
        url: "https://shop.example/hook".into(),
        secrets: vec!["whsec_a".into()],
        disabled: None,
    };
    assert_eq!(a.notify.webhook, Some(first.into()));
    let hooks = a.notify.webhooks();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].id, crate::core::endpoints::FIRST);
    assert!(a.notify.email);
}

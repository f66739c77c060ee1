use super::*;

const WEBHOOK: Limits = Limits {
    slots: 8,
    gap: None,
};
const SLACK: Limits = Limits {
    slots: 1,
    gap: Some(Duration::from_secs(1)),
};
const BUDGET: Duration = Duration::from_secs(5);

fn view(admitted: usize, estimate_ms: Option<u64>) -> LaneView {
    LaneView {
        admitted,
        estimate: estimate_ms.map(Duration::from_millis),
        rate_wait: Duration::ZERO,
    }
}

#[test]
fn a_quick_destination_takes_a_deep_queue() {
    // 512 jobs ahead at 2 ms a send, 8 at once: 128 ms of waiting.
    assert_eq!(decide(&view(512, Some(2)), WEBHOOK, BUDGET), Ok(()));
}

#[test]
fn a_dead_destination_takes_only_what_it_can_send_within_the_budget() {
    // 10 s a send: the first 8 start at once, the ninth would wait 10 s.
    assert_eq!(decide(&view(7, Some(10_000)), WEBHOOK, BUDGET), Ok(()));
    assert_eq!(
        decide(&view(8, Some(10_000)), WEBHOOK, BUDGET),
        Err(Duration::from_secs(10))
    );
}

#[test]
fn an_unknown_destination_takes_a_bounded_number() {
    assert_eq!(
        decide(&view(UNKNOWN_DEPTH - 1, None), WEBHOOK, BUDGET),
        Ok(())
    );
    assert_eq!(
        decide(&view(UNKNOWN_DEPTH, None), WEBHOOK, BUDGET),
        Err(MIN_DEFER)
    );
}

#[test]
fn a_rate_limit_is_a_schedule_not_a_wait() {
    let mut v = view(0, Some(5));
    v.rate_wait = Duration::from_secs(4);
    assert_eq!(decide(&v, SLACK, BUDGET), Ok(()));
    v.rate_wait = Duration::from_secs(7);
    assert_eq!(decide(&v, SLACK, BUDGET), Err(Duration::from_secs(7)));
}

#[test]
fn handed_back_jobs_are_never_due_at_once_nor_far_off() {
    assert_eq!(
        decide(&view(8, Some(10_000_000)), WEBHOOK, BUDGET),
        Err(MAX_DEFER)
    );
}

#[tokio::test(start_paused = true)]
async fn slack_jobs_get_one_second_each_and_the_rest_come_back_spread_out() {
    let lanes = Lanes::new(BUDGET);
    let mut admitted = Vec::new();
    let mut deferred = Vec::new();
    for _ in 0..20 {
        match lanes.admit("https://hooks.slack.example/x", SLACK) {
            Admission::Admitted(t) => admitted.push(t),
            Admission::Defer(d) => deferred.push(d),
        }
    }
    // Sends at 0, 1, ..., 5 s are within the budget; the rest go back.
    assert_eq!(admitted.len(), 6);
    assert_eq!(deferred.len(), 14);
    assert!(deferred.windows(2).all(|w| w[1] > w[0]), "{deferred:?}");
    let start = Instant::now();
    for t in &admitted {
        let s = t.enter(start + Duration::from_secs(60)).await.unwrap();
        drop(s);
    }
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn a_job_that_cannot_start_by_its_deadline_is_handed_back() {
    let lanes = Lanes::new(BUDGET);
    let one = Limits {
        slots: 1,
        gap: None,
    };
    let (Admission::Admitted(first), Admission::Admitted(second)) =
        (lanes.admit("u", one), lanes.admit("u", one))
    else {
        panic!("an unknown lane takes both");
    };
    let _sending = first.enter(Instant::now()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    let back = second.enter(deadline).await.err().expect("handed back");
    assert!(back >= MIN_DEFER, "{back:?}");
    assert_eq!(Instant::now(), deadline);
}

#[tokio::test(start_paused = true)]
async fn a_destination_that_stops_answering_soon_takes_no_more() {
    let lanes = Lanes::new(BUDGET);
    let Admission::Admitted(t) = lanes.admit("u", WEBHOOK) else {
        panic!("admitted");
    };
    let _hung = t.enter(Instant::now()).await.unwrap();
    tokio::time::advance(Duration::from_secs(3)).await;
    // One send running for 3 s: eight more would wait at least 3 s each round.
    let mut taken = 1;
    while let Admission::Admitted(t) = lanes.admit("u", WEBHOOK) {
        std::mem::forget(t);
        taken += 1;
    }
    assert!(taken <= 16, "took {taken}");
}

#[tokio::test(start_paused = true)]
async fn a_lane_still_showing_its_speed_hands_back_for_a_moment_only() {
    let lanes = Lanes::new(BUDGET);
    let mut backs = Vec::new();
    for _ in 0..(UNKNOWN_DEPTH + 500) {
        match lanes.admit("u", WEBHOOK) {
            Admission::Admitted(t) => std::mem::forget(t),
            Admission::Defer(d) => backs.push(d),
        }
    }
    assert_eq!(backs.len(), 500);
    assert!(
        backs.iter().all(|d| *d == MIN_DEFER),
        "not spread out: {:?}",
        backs.last()
    );
}

#[tokio::test(start_paused = true)]
async fn a_quick_lane_keeps_its_deep_queue_through_a_slow_send_or_two() {
    let lanes = Lanes::new(BUDGET);
    // Sends of 5 ms teach the lane its speed.
    for _ in 0..8 {
        let Admission::Admitted(t) = lanes.admit("u", WEBHOOK) else {
            panic!("admitted");
        };
        let s = t
            .enter(Instant::now() + Duration::from_secs(9))
            .await
            .unwrap();
        tokio::time::advance(Duration::from_millis(5)).await;
        drop(s);
    }
    let Admission::Admitted(t) = lanes.admit("u", WEBHOOK) else {
        panic!("admitted");
    };
    let _slow = t
        .enter(Instant::now() + Duration::from_secs(9))
        .await
        .unwrap();
    // One send has taken 300 ms so far: noise on a busy machine, not a dead lane.
    tokio::time::advance(Duration::from_millis(300)).await;
    for i in 0..500 {
        match lanes.admit("u", WEBHOOK) {
            Admission::Admitted(t) => std::mem::forget(t),
            Admission::Defer(d) => panic!("job {i} handed back for {d:?}"),
        }
    }
}

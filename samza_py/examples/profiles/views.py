"""ProfileViewsTask: who viewed your profile, from a PageViewEvent stream, kept in local state.

Input (JSON, keyed by viewed profile so a profile's views meet in one task):
``{"viewer_id", "viewed_profile_id", "viewer_company", "time"}``. Store ``profile-views`` (string keys,
JSON values) holds per profile ``{"views", "viewers": {viewer: count}, "companies": {company: count}}``.
Every ``task.window.ms`` each profile viewed since the last window goes out to
``profiles.views.output`` (default ``kafka.profile-views``) with its total views, distinct viewers
and top five viewer companies. Which profiles changed is kept in the store, so a restart loses none.
"""

from __future__ import annotations

from typing import Any

from samza_py.api import (
    EndOfStreamListenerTask,
    IncomingMessageEnvelope,
    InitableTask,
    KeyValueStore,
    MessageCollector,
    OutgoingMessageEnvelope,
    StreamTask,
    SystemStream,
    TaskContext,
    TaskCoordinator,
    WindowableTask,
)


class ProfileViewsTask(StreamTask, InitableTask, WindowableTask, EndOfStreamListenerTask):
    def init(self, context: TaskContext) -> None:
        self.store: KeyValueStore[str, dict[str, Any]] = context.get_store("profile-views")
        self.output = SystemStream.parse(context.config.get("profiles.views.output", "kafka.profile-views"))

    def process(
        self, envelope: IncomingMessageEnvelope, collector: MessageCollector, coordinator: TaskCoordinator
    ) -> None:
        view: dict[str, Any] = envelope.message
        profile = str(view["viewed_profile_id"])
        if str(view["viewer_id"]) == profile:
            return  # looking at your own profile is not a view
        state = self.store.get(f"p|{profile}") or {"views": 0, "viewers": {}, "companies": {}}
        state["views"] += 1
        viewer, company = str(view["viewer_id"]), str(view.get("viewer_company") or "unknown")
        state["viewers"][viewer] = state["viewers"].get(viewer, 0) + 1
        state["companies"][company] = state["companies"].get(company, 0) + 1
        self.store.put(f"p|{profile}", state)
        self.store.put(f"d|{profile}", {})

    def window(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        with self.store.range("d|", "d}") as changed:
            profiles = [entry.key[2:] for entry in changed]
        for profile in profiles:
            state = self.store.get(f"p|{profile}")
            if state is not None:
                top = sorted(state["companies"].items(), key=lambda kv: (-kv[1], kv[0]))[:5]
                collector.send(OutgoingMessageEnvelope(self.output, profile, {
                    "profile_id": profile, "views": state["views"], "distinct_viewers": len(state["viewers"]),
                    "top_companies": [{"company": c, "views": n} for c, n in top],
                }))
            self.store.delete(f"d|{profile}")

    def on_end_of_stream(self, collector: MessageCollector, coordinator: TaskCoordinator) -> None:
        self.window(collector, coordinator)

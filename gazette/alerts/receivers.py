"""What the alerts part does when a story is published: the automatic alert of a breaking story
and the WebSub pings. Connected by AlertsConfig.ready()."""

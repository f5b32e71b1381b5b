package engine

// Messenger is implemented by resources that only report (Chef's log):
// when the run reaches one of its actions and no guard skips it, the
// engine puts the message in the action's event. Such a resource's Check
// plans no change.
type Messenger interface {
	// Message returns the level (debug, info, warn, error, fatal) and the
	// text for action.
	Message(action string) (level, text string)
}

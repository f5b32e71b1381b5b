package recipe

// SetMaxSteps sets the execution step limit for a test and returns a
// function that restores it.
func SetMaxSteps(n uint64) (restore func()) {
	old := maxSteps
	maxSteps = n
	return func() { maxSteps = old }
}

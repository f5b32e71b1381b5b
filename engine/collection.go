package engine

// Collection is one node's compiled run list: resources in declaration
// order, with notifications resolved to resources.
type Collection struct {
	Node      *Node
	Resources []Resource
	// notify maps a resource to the notifications it sends when updated
	// (its own notifies plus other resources' subscribes).
	notify map[Resource][]Edge
	// Hooks are the rolling_hooks() of the run (see Hooks).
	Hooks Hooks
}

// Edge is a resolved notification.
type Edge struct {
	Target Resource
	Action string
	Timing string // "delayed", "immediately", "before"
}

// NewCollection returns an empty collection for node.
func NewCollection(n *Node) *Collection {
	return &Collection{Node: n, notify: map[Resource][]Edge{}}
}

// Add appends a resource.
func (c *Collection) Add(r Resource) { c.Resources = append(c.Resources, r) }

// Find returns the last declared resource with the address kind[name], as
// Chef resolves a notification target.
func (c *Collection) Find(address string) (Resource, bool) {
	for i := len(c.Resources) - 1; i >= 0; i-- {
		if c.Resources[i].Base().Key() == address {
			return c.Resources[i], true
		}
	}
	return nil, false
}

// Connect records that from notifies e.Target when from is updated.
func (c *Collection) Connect(from Resource, e Edge) {
	c.notify[from] = append(c.notify[from], e)
}

// Edges returns the notifications from sends.
func (c *Collection) Edges(from Resource) []Edge { return c.notify[from] }

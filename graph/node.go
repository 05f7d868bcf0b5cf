package graph

// Node is any object with a global id: one of the *funding entity types.
type Node interface{}

package mongostore

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestGateShares: a request alone may take every turn; beside another, each gets half,
// and a request's reads inside a turn it holds (a stream's) never wait.
func TestGateShares(t *testing.T) {
	s := &Store{gate: newGate(8)} // 4 turns
	a, b := s.RequestScope(context.Background()), s.RequestScope(context.Background())
	take := func(ctx context.Context) (func(), error) {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		_, leave, err := enter(ctx)
		return leave, err
	}
	var held []func()
	for range 4 {
		leave, err := take(a)
		if err != nil {
			t.Fatalf("a request alone waits for a turn with %d of 4 taken: %v", len(held), err)
		}
		held = append(held, leave)
	}
	if _, err := take(a); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a fifth turn: %v, want to wait until the deadline", err)
	}

	// b waits for a turn; a gives one back, and b, not a, gets the next.
	got := make(chan func())
	go func() {
		_, leave, err := enter(b)
		if err != nil {
			t.Error(err)
		}
		got <- leave
	}()
	time.Sleep(10 * time.Millisecond) // b is waiting (or will find the gate full)
	held[0]()
	leaveB := <-got
	held[1]() // a holds 2 of the 3 turns taken: one is free
	if _, err := take(a); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a holds 2 turns beside b, one is free: another: %v, want to wait (its share is 2)", err)
	}
	leaveB()
	for i := range 2 {
		leave, err := take(a)
		if err != nil {
			t.Fatalf("b is done: a alone again, turn %d of 4: %v", 3+i, err)
		}
		held[i] = leave
	}

	for _, leave := range held {
		leave()
		leave() // giving a turn back twice gives it back once
	}
	if s.gate.open != 0 || len(s.gate.shares) != 0 {
		t.Errorf("after every turn is back: %d open, %d requests", s.gate.open, len(s.gate.shares))
	}
	// Reads outside a request do not wait.
	if _, err := take(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestGateLends: a read made with the context of a turn (a stream's, for the reads it
// makes while its cursor is open) does not wait for another, even with none free.
func TestGateLends(t *testing.T) {
	s := &Store{gate: newGate(2)} // 1 turn
	in, leave, err := enter(s.RequestScope(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	defer leave()
	ctx, cancel := context.WithTimeout(in, 20*time.Millisecond)
	defer cancel()
	if _, leaveIn, err := enter(ctx); err != nil {
		t.Fatalf("a read inside the only turn: %v", err)
	} else {
		leaveIn()
	}
	if s.gate.open != 1 {
		t.Errorf("%d turns open, want the stream's 1", s.gate.open)
	}
}

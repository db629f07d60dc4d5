package main

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
)

// Label values as Roundhouse's toLabelValue and targetLabelValue (packages/core/src/labels.ts)
// write them, so an execution whose name, workflow id or target is no valid label value still
// gets the same Job from both controllers. Byte for byte for ASCII input (JavaScript counts
// UTF-16 code units where this counts bytes); executions' names and targets are ASCII.
const maxLabelValue = 63

var (
	validLabelValue = regexp.MustCompile(`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`)
	labelUnsafe     = regexp.MustCompile(`[^A-Za-z0-9_.-]`)
)

func isValidLabelValue(value string) bool {
	return len(value) <= maxLabelValue && validLabelValue.MatchString(value)
}

// labelValue is raw when Kubernetes accepts it as a label value, else its label-safe characters
// cut short, "-" and 10 hex of its sha256.
func labelValue(raw string) string {
	if isValidLabelValue(raw) {
		return raw
	}
	sum := sha256.Sum256([]byte(raw))
	hash := hex.EncodeToString(sum[:])[:10]
	safe := labelUnsafe.ReplaceAllString(raw, "_")
	safe = strings.Trim(safe[:min(len(safe), maxLabelValue-len(hash)-1)], "_.-")
	if safe == "" {
		return hash
	}
	return safe + "-" + hash
}

// targetLabelValue is the target with "/" as "__", cut at 63 characters as kubernaut cuts it,
// or made label-safe by labelValue where that cut is no valid label value.
func targetLabelValue(target string) string {
	encoded := strings.ReplaceAll(target, "/", "__")
	if cut := encoded[:min(len(encoded), maxLabelValue)]; isValidLabelValue(cut) {
		return cut
	}
	return labelValue(encoded)
}

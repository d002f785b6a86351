package sandbox

// Report says, layer by layer, what a Config asks for and what this kernel
// and privilege level will enforce: what `ringfence run --dry-run` prints.
// Probe creates nothing.
type Report struct {
	Kernel   string  `json:"kernel"`
	Rootless bool    `json:"rootless"`
	Layers   []Layer `json:"layers"`
	// Refusal is the error Start would return before creating anything
	// ("" when it would go ahead).
	Refusal string `json:"refusal,omitempty"`
}

// Layer is one containment layer.
type Layer struct {
	Name      string `json:"name"`
	Requested string `json:"requested"`
	Enforced  string `json:"enforced"`
	// OK is false when the layer is requested but cannot be enforced (so
	// Start refuses) or is missing in best-effort mode.
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
}

//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// Targets from issue 3, on loopback.
const (
	targetLargeRatio  = 0.85 // of the end-to-end ceiling
	targetSmallRatio  = 0.5  // of tar | TCP | tar
	targetSmallFiles  = 5000 // files/s on a quiet disk; shown, not judged
	targetResumeShare = 0.55 // of the file's bytes sent again
	targetRSSMiB      = 64   // per process
)

// benchResult is one row of the report and one --json object. Figures that
// do not apply to a row are null in JSON and "—" in the table.
type benchResult struct {
	Scenario    string    `json:"scenario"`
	Kind        string    `json:"kind"` // ceiling, primitive, reference or lempar
	Label       string    `json:"label"`
	Runs        int       `json:"runs"`
	Bytes       int64     `json:"bytes"`
	Files       int       `json:"files"`
	Seconds     float64   `json:"seconds"` // median
	MBps        float64   `json:"mb_per_s"`
	FilesPerS   *float64  `json:"files_per_s"`
	CeilingMBps *float64  `json:"ceiling_mb_per_s"`
	Ceiling     string    `json:"ceiling,omitempty"` // the scenario the ratio is taken against
	Ratio       *float64  `json:"ratio"`
	SentBytes   *int64    `json:"sent_bytes"`
	RSSSender   *float64  `json:"peak_rss_mib_sender"`
	RSSReceiver *float64  `json:"peak_rss_mib_receiver"`
	Target      string    `json:"target,omitempty"`
	Pass        *bool     `json:"pass"`
	Samples     []float64 `json:"samples_mb_per_s"`
	// Median CPU seconds of each process: near the elapsed time means that
	// side is CPU bound.
	CPUSender   *float64 `json:"cpu_s_sender,omitempty"`
	CPUReceiver *float64 `json:"cpu_s_receiver,omitempty"`
	// Median CPU seconds per GB (10^9 bytes) moved: of each process for
	// two-process rows, of the benchmark process for the rows it measures
	// in itself (ceilings and primitives).
	CPUPerGBSender   *float64 `json:"cpu_s_per_gb_sender,omitempty"`
	CPUPerGBReceiver *float64 `json:"cpu_s_per_gb_receiver,omitempty"`
	CPUPerGB         *float64 `json:"cpu_s_per_gb,omitempty"`
	// The TLS cipher suite the bare copy negotiated (Lempar's TLS setup).
	Suite string `json:"cipher_suite,omitempty"`
	// Small files: files/s target for a quiet disk, for information.
	FilesTargetMet *bool `json:"files_per_s_target_met,omitempty"`
}

func ptr[T any](v T) *T { return &v }

// perGB is CPU seconds per 10^9 bytes.
func perGB(cpu float64, bytes int64) float64 {
	if bytes <= 0 {
		return 0
	}
	return cpu / (float64(bytes) / 1e9)
}

func mbps(bytes int64, secs float64) float64 {
	if secs <= 0 {
		return 0
	}
	return float64(bytes) / secs / 1e6
}

// rssPass judges the memory target of a Lempar row.
func (r *benchResult) rssPass() bool {
	return r.RSSSender != nil && r.RSSReceiver != nil &&
		*r.RSSSender <= targetRSSMiB && *r.RSSReceiver <= targetRSSMiB
}

func (b *bench) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	for i := range b.results {
		if err := enc.Encode(&b.results[i]); err != nil {
			return err
		}
	}
	return nil
}

// writeTable prints the report as a Markdown table: readable on a terminal
// and ready to paste into the README.
func (b *bench) writeTable(w io.Writer) error {
	tr := b.tr
	rows := [][]string{{
		tr.T("cli.bench.col.scenario"), tr.T("cli.bench.col.mbps"), tr.T("cli.bench.col.files"),
		tr.T("cli.bench.col.ceiling"), tr.T("cli.bench.col.ratio"), tr.T("cli.bench.col.sent"),
		tr.T("cli.bench.col.rss"), tr.T("cli.bench.col.cpu"), tr.T("cli.bench.col.target"), tr.T("cli.bench.col.result"),
	}}
	for _, r := range b.results {
		res := "—"
		if r.Pass != nil {
			res = tr.T("cli.bench.pass")
			if !*r.Pass {
				res = tr.T("cli.bench.fail")
			}
		}
		rss := "—"
		if r.RSSSender != nil && r.RSSReceiver != nil {
			rss = fmt.Sprintf("%.0f / %.0f", *r.RSSSender, *r.RSSReceiver)
		}
		cpu := optNum(r.CPUPerGB, "%.2f")
		if r.CPUPerGBSender != nil && r.CPUPerGBReceiver != nil {
			cpu = fmt.Sprintf("%.2f / %.2f", *r.CPUPerGBSender, *r.CPUPerGBReceiver)
		}
		sent := "—"
		if r.SentBytes != nil {
			sent = sizeIEC(*r.SentBytes)
		}
		rows = append(rows, []string{
			r.Label, fmt.Sprintf("%.0f", r.MBps), optNum(r.FilesPerS, "%.0f"), optNum(r.CeilingMBps, "%.0f"),
			optNum(r.Ratio, "%.2f"), sent, rss, cpu, orDash(r.Target), res,
		})
	}
	// Text columns are left-aligned, figures right-aligned.
	left := []bool{true, false, false, false, false, false, false, false, true, true}
	width := make([]int, len(left))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) string {
		var sb strings.Builder
		for i, c := range cells {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if left[i] {
				c += pad
			} else {
				c = pad + c
			}
			sb.WriteString("| " + c + " ")
		}
		return sb.String() + "|"
	}
	rule := make([]string, len(left))
	for i := range rule {
		rule[i] = strings.Repeat("-", width[i])
		if !left[i] {
			rule[i] = rule[i][1:] + ":"
		}
	}
	out := []string{line(rows[0]), line(rule)}
	for _, row := range rows[1:] {
		out = append(out, line(row))
	}
	out = append(out, "", tr.T("cli.bench.note", "Runs", b.f.runs))
	if s := b.cpuSummary(); s != "" {
		out = append(out, "", s)
	}
	_, err := fmt.Fprintln(w, strings.Join(out, "\n"))
	return err
}

// cpuSummary sets the large file's CPU cost per side beside the reference's
// and beside BLAKE3, the work Lempar does that the reference does not.
func (b *bench) cpuSummary() string {
	lem, ref, hash := b.row("large-file"), b.row("ceiling-e2e"), b.row("blake3")
	if lem == nil || ref == nil || hash == nil || lem.CPUPerGBSender == nil || ref.CPUPerGBSender == nil || hash.CPUPerGB == nil {
		return ""
	}
	f := func(v float64) string { return fmt.Sprintf("%.2f", v) }
	return b.tr.T("cli.bench.cpu-summary",
		"LemparTx", f(*lem.CPUPerGBSender), "LemparRx", f(*lem.CPUPerGBReceiver),
		"RefTx", f(*ref.CPUPerGBSender), "RefRx", f(*ref.CPUPerGBReceiver),
		"DiffTx", f(*lem.CPUPerGBSender-*ref.CPUPerGBSender), "DiffRx", f(*lem.CPUPerGBReceiver-*ref.CPUPerGBReceiver),
		"Blake3", f(*hash.CPUPerGB), "Suite", orDash(ref.Suite))
}

// row is the result of one scenario, or nil.
func (b *bench) row(id string) *benchResult {
	for i := range b.results {
		if b.results[i].Scenario == id {
			return &b.results[i]
		}
	}
	return nil
}

func optNum(v *float64, f string) string {
	if v == nil || math.IsNaN(*v) {
		return "—"
	}
	return fmt.Sprintf(f, *v)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// missed counts the rows whose target failed.
func (b *bench) missed() int {
	n := 0
	for _, r := range b.results {
		if r.Pass != nil && !*r.Pass {
			n++
		}
	}
	return n
}

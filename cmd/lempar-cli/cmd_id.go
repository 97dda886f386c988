package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/lempar/lempar/app"
	"github.com/lempar/lempar/transfer"
)

func init() { subcommands = append(subcommands, newIDCmd) }

func newIDCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "id",
		Short: g.tr.T("cli.id.short"),
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n, err := app.NewNode(app.Options{ConfigDir: g.configDir})
			if err != nil {
				return err
			}
			s := n.Settings()
			if asJSON {
				return json.NewEncoder(os.Stdout).Encode(map[string]any{
					"name": s.DeviceName, "id": n.Identity.ID, "fingerprint": transfer.Fingerprint(n.Identity.ID),
					"port": s.Port, "config_dir": n.ConfigDir, "download_dir": s.DownloadDir,
				})
			}
			fmt.Printf("%-14s %s\n", g.tr.T("cli.id.name"), s.DeviceName)
			fmt.Printf("%-14s %s\n", g.tr.T("cli.id.id"), n.Identity.ID)
			fmt.Printf("%-14s %s\n", g.tr.T("cli.id.fingerprint"), transfer.Fingerprint(n.Identity.ID))
			fmt.Printf("%-14s %d\n", g.tr.T("cli.id.port"), s.Port)
			fmt.Printf("%-14s %s\n", g.tr.T("cli.id.downloads"), s.DownloadDir)
			fmt.Printf("%-14s %s\n", g.tr.T("cli.id.config"), n.ConfigDir)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, g.tr.T("cli.flag.json"))
	return cmd
}

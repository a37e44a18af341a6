// compose-check loads a Compose file the way `docker compose config` does, with the Compose
// specification's reference library (github.com/compose-spec/compose-go): YAML, interpolation,
// the compose-spec JSON schema, then the consistency checks (a depends_on, volume, network or
// secret that names nothing fails). On top of that it checks what our file promises:
//   - every service a depends_on waits for with condition service_healthy has a healthcheck;
//   - every service that one waits for with service_completed_successfully does not restart;
//   - every volume is a named volume (no bind mount of the host) unless marked read-only;
//   - the services listed with -require exist.
// No Docker engine is needed. Usage: compose-check [-require a,b,c] docker-compose.yaml
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

func main() {
	require := flag.String("require", "", "comma-separated services that must exist")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: compose-check [-require a,b] docker-compose.yaml")
		os.Exit(2)
	}
	file, err := filepath.Abs(flag.Arg(0))
	if err != nil {
		fail(err)
	}
	options, err := cli.NewProjectOptions(
		[]string{file},
		cli.WithName("compose-check"),
		cli.WithWorkingDirectory(filepath.Dir(file)),
		cli.WithOsEnv,
		cli.WithInterpolation(true),
		cli.WithConsistency(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}

	var problems []string
	for name, service := range project.Services {
		for target, dependency := range service.DependsOn {
			other, ok := project.Services[target]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s depends on %s, which is not a service", name, target))
				continue
			}
			switch dependency.Condition {
			case types.ServiceConditionHealthy:
				if other.HealthCheck == nil || other.HealthCheck.Disable || len(other.HealthCheck.Test) == 0 {
					problems = append(problems, fmt.Sprintf("%s waits for %s to be healthy, but %s has no healthcheck", name, target, target))
				}
			case types.ServiceConditionCompletedSuccessfully:
				if other.Restart != "" && other.Restart != "no" {
					problems = append(problems, fmt.Sprintf("%s waits for %s to complete, but %s restarts (%s)", name, target, target, other.Restart))
				}
			}
		}
		for _, volume := range service.Volumes {
			if volume.Type == types.VolumeTypeBind && !volume.ReadOnly {
				problems = append(problems, fmt.Sprintf("%s mounts the host folder %s writable: use a named volume", name, volume.Source))
			}
		}
	}
	if *require != "" {
		for _, name := range strings.Split(*require, ",") {
			if _, ok := project.Services[name]; !ok {
				problems = append(problems, fmt.Sprintf("service %s is missing", name))
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		fail(fmt.Errorf("%s", strings.Join(problems, "\n")))
	}
	fmt.Printf("%s: valid (%d services, %d named volumes)\n", flag.Arg(0), len(project.Services), len(project.Volumes))
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "compose-check: %v\n", err)
	os.Exit(1)
}

/*
Copyright 2026 The Vermont Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Command worker runs one Vermont workload: a Kafka producer (`worker
// produce`) or an at-least-once consumer group (`worker consume`). The
// operator runs it in the Deployments it manages; it also runs by hand
// against any broker (see the README).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/vermont-io/kafka-operator/internal/worker"
	"github.com/vermont-io/kafka-operator/internal/workerconfig"
)

const usage = `Usage: worker produce|consume [--config FILE]

Runs one Vermont workload. The configuration is JSON, from --config FILE or
from the environment variable VERMONT_WORKER_CONFIG; its format is the Go type
workerconfig.Config (github.com/vermont-io/kafka-operator/internal/workerconfig).

Commands:
  produce   write records to Kafka from a generator or an HTTP source
  consume   consume a group's topics and deliver each record, at least once,
            to a log, HTTP, Kafka or discard sink

Environment:
  VERMONT_WORKER_CONFIG      the JSON configuration (when --config is not given)
  POD_NAME                   the Kafka client ID; the operator maps group members
                             to pods by it (set from the downward API)
  VERMONT_KAFKA_SASL_USERNAME, VERMONT_KAFKA_SASL_PASSWORD,
  VERMONT_KAFKA_TLS_CA_PEM, VERMONT_KAFKA_TLS_CERT_PEM, VERMONT_KAFKA_TLS_KEY_PEM
                             credentials, when the configuration asks for them
                             (VERMONT_SINK_KAFKA_* for a Kafka sink on another cluster)
  VERMONT_HTTP_SOURCE_TOKEN  the bearer token the HTTP source requires
  VERMONT_SINK_HTTP_HEADER_<Name>
                             extra headers for the HTTP sink
  VERMONT_ADMIN_PORT, VERMONT_HTTP_SOURCE_PORT
                             override the configured ports (several workers on one host)

The worker serves /healthz, /readyz and /metrics on its admin port (9090),
logs JSON lines on stderr, writes log-sink records on stdout, and stops
cleanly on SIGTERM or SIGINT.

Exit codes: 0 stopped cleanly; 1 failed while running; 2 bad usage or configuration.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var mode workerconfig.Mode
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "produce":
		mode = workerconfig.ModeProduce
	case "consume":
		mode = workerconfig.ModeConsume
	default:
		fmt.Fprintf(stderr, "worker: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	flags := flag.NewFlagSet("worker "+args[0], flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	configFile := flags.String("config", "", "read the JSON configuration from this file")
	if err := flags.Parse(args[1:]); err != nil {
		fmt.Fprintf(stderr, "worker %s: %v\n", args[0], err)
		return 2
	}

	cfg, err := loadConfig(*configFile, mode)
	if err != nil {
		fmt.Fprintf(stderr, "worker %s: invalid configuration: %v\n", args[0], err)
		return 2
	}
	if err := worker.Run(ctx, cfg, worker.OSEnv()); err != nil {
		var fieldErr *workerconfig.FieldError
		if errors.As(err, &fieldErr) {
			fmt.Fprintf(stderr, "worker %s: invalid configuration: %v\n", args[0], err)
			return 2
		}
		fmt.Fprintf(stderr, "worker %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func loadConfig(file string, mode workerconfig.Mode) (*workerconfig.Config, error) {
	var data []byte
	if file != "" {
		var err error
		if data, err = os.ReadFile(file); err != nil {
			return nil, err
		}
	} else if data = []byte(os.Getenv(workerconfig.EnvConfig)); len(data) == 0 {
		return nil, fmt.Errorf("no configuration: set %s or pass --config FILE", workerconfig.EnvConfig)
	}
	cfg, err := workerconfig.Parse(data, os.Getenv)
	if err != nil {
		return nil, err
	}
	if cfg.Mode != mode {
		return nil, fmt.Errorf("mode: the configuration is for %q but the command is %q", cfg.Mode, mode)
	}
	return cfg, nil
}

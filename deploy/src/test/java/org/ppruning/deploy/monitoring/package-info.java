/**
 * Checks of deploy/k8s/monitoring: the Grafana dashboard ({@link
 * org.ppruning.deploy.monitoring.Dashboard}: it parses, and every metric its PromQL names is one a
 * running service exposes, checked by {@code org.ppruning.system.OperationsIT}) and the Prometheus
 * Operator ServiceMonitor (every pod of deploy/k8s scraped once, on its HTTP port and metrics
 * path).
 */
package org.ppruning.deploy.monitoring;

/**
 * What the deployed services actually run with: each service's effective configuration resolved
 * from the Kubernetes manifests or the compose file (environment) over its application.properties,
 * with SmallRye Config's environment-name and expression rules ({@link
 * org.ppruning.deploy.config.EffectiveConfig}); where each resolved path lands in the container
 * (which volume, persistent or not: {@link org.ppruning.deploy.config.ServiceRuntime}); and the
 * check that what one service writes for another, or for its own restart, is on the shared
 * persistent volume at the same place in every pod ({@link
 * org.ppruning.deploy.config.SharedPaths}).
 */
package org.ppruning.deploy.config;

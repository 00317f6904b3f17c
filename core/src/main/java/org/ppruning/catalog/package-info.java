/**
 * The pre-trained models ppruning fetches by name: {@link org.ppruning.catalog.ModelCatalog} lists
 * them and {@link org.ppruning.catalog.CatalogEntry} pins each one's Maven coordinates, format,
 * exact size and SHA-256, and the head count its weights do not encode, so that a name is all a
 * command such as {@code ppruning import} needs.
 */
package org.ppruning.catalog;

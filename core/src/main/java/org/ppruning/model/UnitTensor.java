package org.ppruning.model;

/**
 * A weight that grows or shrinks with a layer's heads or neurons.
 *
 * @param name weight name
 * @param axis the axis that holds the units (0 = rows, last = columns)
 * @param blocks how many equal unit blocks that axis holds side by side (3 for GPT-2's fused
 *     query/key/value projection, else 1)
 * @param width values per unit along that axis (the head size for heads, 1 for neurons)
 */
public record UnitTensor(String name, int axis, int blocks, int width) {}

"""Repeated identical blocks in a node list (Xception's middle flow: the same 10 calls, 8 times).

A call's *signature* is its layer's class, its output shapes, and where its inputs come from, counted
backwards in the list ("the call 1 before me and the call 10 before me"). Two stretches of calls with
the same signatures are the same block, wired the same way. Folding one run of such blocks into one
box keeps the drawing acyclic: the nodes are in graph order, so no edge leaves the run and comes back.
"""


def signatures(nodes):
    """One small integer per node: equal integers mean the same class, shapes and wiring."""
    where = {id(node): i for i, node in enumerate(nodes)}
    codes = {}
    result = []
    for i, node in enumerate(nodes):
        parents = tuple(i - where.get(id(parent), -1) for parent in node.parent_nodes)
        shapes = tuple(tuple(x.shape) for x in node.output_tensors)
        key = (type(node.operation).__name__, shapes, parents)
        result.append(codes.setdefault(key, len(codes)))
    return result


def find_repeats(nodes, min_length=3, min_count=3):
    """`[(start, length, count)]`: runs of `count` identical blocks of `length` calls, left to right.

    Each run is the longest one starting at the first place a run starts (greedy, left to right).
    """
    codes = signatures(nodes)
    runs, i, n = [], 0, len(codes)
    while i < n:
        best = None
        for length in range(min_length, (n - i) // min_count + 1):
            block = codes[i:i + length]
            count = 1
            while codes[i + count * length:i + (count + 1) * length] == block:
                count += 1
            if count >= min_count and (best is None or count * length > best[1] * best[2]):
                best = (i, length, count)
        if best is None:
            i += 1
        else:
            runs.append(best)
            i += best[1] * best[2]
    return runs

"""The methods: functions on models and tensors that return arrays, tables and motifs.

=======================================  ====================================================
module                                   method
=======================================  ====================================================
:mod:`~motifscope.methods.predict`       batched prediction, prediction files
:mod:`~motifscope.methods.evaluate`      per-target AUROC / AUPR as DeepATT and DanQ report it
:mod:`~motifscope.methods.outputs`       which model output a method explains (``target``)
:mod:`~motifscope.methods.attribution`   saliency, gradient × input, integrated gradients,
                                         DeepLIFT(-SHAP), ISM, layer attributions
:mod:`~motifscope.methods.kernels`       first-layer kernels → motifs
:mod:`~motifscope.methods.influence`     filter influence (Basset)
:mod:`~motifscope.methods.tomtom`        Tomtom (Pearson and Euclidean)
:mod:`~motifscope.methods.fimo`          FIMO-style scanning with exact p-values
:mod:`~motifscope.methods.seqlets`       seqlet calling, annotation, TF-MoDISco
:mod:`~motifscope.methods.temporal`      temporal output scores (DeMo)
:mod:`~motifscope.methods.optimize`      class optimisation (DeMo)
:mod:`~motifscope.methods.neuronmotif`   NeuronMotif decoupling
:mod:`~motifscope.methods.similarity`    DeepATT query vectors and their similarity
:mod:`~motifscope.methods.variants`      variant effects of a VCF and why they score
=======================================  ====================================================

A method takes a model and tensors (``X`` of shape ``(N, 4, L)``) and never reads a run
directory's layout or writes a report; :mod:`motifscope.analysis` does that around it.

May import: :mod:`motifscope.core`, :mod:`motifscope.io`, :mod:`motifscope.data`,
:mod:`motifscope.zoo`, :mod:`motifscope.runs` and :mod:`motifscope.plot`.
"""

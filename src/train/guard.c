/* guard.c — the divergence guard: every step, each rank checks what it holds for NaN and
 * infinities (the losses, its players' gradients after the allreduce, parameters after the
 * update, buffers such as batch norm's running statistics, and the optimizer's moments); the
 * ranks agree on it with the step's stop vote (train.c), and a run with a
 * non-finite value anywhere stops on every rank before it writes a checkpoint or weights
 * (docs/training.md, "Divergence"). Only the lowest rank that found one reports it.
 *
 * The optimizer tests the gradients, parameters and moments as it updates them (nn/optim.h,
 * Optimizer.nonfinite), so a finite step costs a scan of the buffers only; the tensor-by-tensor
 * scan below runs once a flag is up, to name what went bad.
 */
#include <math.h>
#include <stdio.h>

#include "nn/finite.h"
#include "train/trainer.h"

/* The first non-finite tensor of a player, described into what; false when all are finite. With
 * the optimizer's flag up and no tensor found, true with what names the update alone. */
static bool player_bad(const Net *net, const Optimizer *opt, const char *player, char *what, size_t size) {
    const NetTensor *bad = opt->nonfinite ? finite_first_bad(net, net->grads) : NULL;
    if (bad) {
        snprintf(what, size, "the %s's gradient of '%s' (after the allreduce)", player, bad->name);
        return true;
    }
    bad = opt->nonfinite ? finite_first_bad(net, net->params) : NULL;
    if (bad) {
        snprintf(what, size, "the %s's parameter '%s' (after the update)", player, bad->name);
        return true;
    }
    bad = finite_first_bad_buffer(net);
    if (bad) {
        snprintf(what, size, "the %s's buffer '%s' (its running statistics)", player, bad->name);
        return true;
    }
    if (!opt->nonfinite) return false;
    const float *moments[2] = {opt->m, opt->v};
    const char *names[2] = {"m", "v"};
    for (int i = 0; i < 2; i++) {
        bad = moments[i] ? finite_first_bad(net, moments[i]) : NULL;
        if (bad) {
            snprintf(what, size, "the %s's optimizer moment %s of '%s'", player, names[i], bad->name);
            return true;
        }
    }
    /* a safeguard: what an update flags stays in its gradients, parameters or moments (a
     * discriminator group's D takes the flag along when it moves, train/step.c), unless WGAN's
     * clipping has since clamped the parameter back into range */
    snprintf(what, size, "the %s's update (a gradient, parameter or optimizer moment)", player);
    return true;
}

bool trainer_nonfinite(const Trainer *t, char *what, size_t size) {
    const StepStats *s = &t->stats;
    if (t->lay.has_d && !isfinite(s->loss_d)) {
        snprintf(what, size, "the discriminator loss (%g)", s->loss_d);
        return true;
    }
    if (t->lay.has_d && !isfinite(s->loss_g)) {
        snprintf(what, size, "the generator loss (%g)", s->loss_g);
        return true;
    }
    if (t->lay.has_d && player_bad(&t->gan.d, &t->gan.opt_d, "discriminator", what, size)) return true;
    return t->lay.has_g && player_bad(&t->gan.g, &t->gan.opt_g, "generator", what, size);
}

NashStatus trainer_diverged(const Trainer *t, int64_t step, int bad_rank, const char *what, NashError *err) {
    if (t->lay.rank == bad_rank)
        return nash_fail(err, NASH_DIVERGED,
                         "training diverged at step %lld: rank %d found NaN or infinity in %s; every rank stopped "
                         "before writing a checkpoint, so the checkpoints in %s/ckpt hold finite values only; resume "
                         "from one of them with a lower learning rate (--resume auto takes the newest, --resume PATH "
                         "an earlier one; --set optim.d.lr=..., --set optim.g.lr=...)",
                         (long long)step, bad_rank, what, t->run.dir[0] ? t->run.dir : "the run directory");
    return nash_fail(err, NASH_DIVERGED,
                     "training diverged at step %lld: rank %d found NaN or infinity (see its message)", (long long)step,
                     bad_rank);
}
